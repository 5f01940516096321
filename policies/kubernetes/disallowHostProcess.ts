import { record, type SecurityContext } from "../shapes";
import { describe, podRule } from "./workloads";

const hostProcess = (securityContext: SecurityContext | undefined): unknown => record(securityContext?.windowsOptions).hostProcess;

export const disallowHostProcess = podRule({
    id: "disallow-host-process",
    description: "Windows pods must not run HostProcess containers: windowsOptions.hostProcess unset or false.",
    rationale:
        "A HostProcess container runs directly on the Windows node with the node's privileges, outside any container isolation (Pod Security baseline and restricted).",
    remediation: "Remove securityContext.windowsOptions.hostProcess (pod and containers) or set it to false.",
    severity: "critical",
    topics: ["kubernetes", "pod-security"],
    check(pod) {
        const messages: string[] = [];
        if (hostProcess(pod.spec.securityContext) === true) messages.push("the pod sets windowsOptions.hostProcess: true");
        for (const c of pod.containers) if (hostProcess(c.spec.securityContext) === true) messages.push(`${describe(c)} sets windowsOptions.hostProcess: true`);
        return messages;
    },
});

import { expect } from "chai";
import * as YAML from "yaml";
import { hostScripts } from "../../clusters/hosts";
import { clusterStacks } from "../../clusters/offline";
import {
    DEPLOY_VERBS,
    DEPLOYED_KINDS,
    deployerManifest,
    deployerObjects,
    deployerRules,
    DEPLOYER_ACCOUNT,
    DEPLOYER_NAMESPACE,
    DEPLOYER_TOKEN_SECRET,
    READ_VERBS,
    renderK3sDeployer,
} from "../../clusters/scripts/k3sDeployer";
import { runScriptCommand } from "../../clusters/scripts/common";
import { clusterPlanOf, kubernetesStacks, planOf } from "../support/plan";

/** "kubernetes:networking.k8s.io/v1:NetworkPolicy" → { group: "networking.k8s.io", resource: "networkpolicies" }. */
function apiResourceOf(type: string): { group: string; resource: string } | undefined {
    const match = /^kubernetes:([^:]+)\/[^/:]+:(\w+)$/.exec(type);
    if (!match || match[1] === "helm.sh") return undefined;
    const kind = match[2].toLowerCase();
    const resource = kind.endsWith("y") ? `${kind.slice(0, -1)}ies` : kind.endsWith("s") ? `${kind}es` : `${kind}s`;
    return { group: match[1] === "core" ? "" : match[1], resource };
}

describe("the K3s deployer's RBAC (the kubeconfig handed to ESC)", () => {
    const rules = deployerRules();

    it("grants no wildcard verb, resource or group, secrets only with the deploy verbs, and pods only to read", () => {
        for (const rule of rules) {
            expect([...rule.verbs, ...rule.resources, ...rule.apiGroups], JSON.stringify(rule)).to.not.include("*");
            for (const resource of rule.resources) expect(resource, "a subresource (pods/exec, serviceaccounts/token…)").to.not.include("/");
        }
        const onSecrets = rules.filter((r) => r.resources.includes("secrets"));
        expect(onSecrets).to.have.length(1);
        expect(onSecrets[0].apiGroups).to.deep.equal([""]);
        expect(onSecrets[0].verbs).to.deep.equal([...DEPLOY_VERBS]);
        const granted = rules.flatMap((r) => r.resources);
        for (const never of [
            "nodes",
            "persistentvolumes",
            "serviceaccounts/token",
            "pods/exec",
            "pods/portforward",
            "users",
            "groups",
            "certificatesigningrequests",
        ])
            expect(granted, never).to.not.include(never);
        // What the rollout checks read is only read: no pod is created, changed or deleted by the deployer.
        const readOnly = ["pods", "replicasets", "endpoints", "endpointslices", "events"];
        for (const rule of rules.filter((r) => r.resources.some((res) => readOnly.includes(res))))
            expect(rule.verbs, JSON.stringify(rule)).to.deep.equal([...READ_VERBS]);
    });

    it("covers every Kubernetes kind the platform stacks' plans create, and lists no component kind none of them does", function () {
        this.timeout(120_000);
        const stacks = kubernetesStacks();
        expect(stacks).to.not.be.empty;
        const planned = new Set<string>();
        for (const stack of stacks) {
            for (const r of planOf(stack).plan!.resources) {
                const api = apiResourceOf(r.type);
                if (api) planned.add(`${api.group}/${api.resource}`);
            }
        }
        const covered = (key: string) =>
            rules.some((r) => r.verbs.includes("create") && r.apiGroups.some((g) => r.resources.some((res) => `${g}/${res}` === key)));
        for (const key of planned) expect(covered(key), `the deployer cannot create ${key}, which a platform plan creates`).to.equal(true);
        const listed = DEPLOYED_KINDS.filter((k) => k.by === "components").flatMap((k) => k.resources.map((r) => `${k.apiGroup}/${r}`));
        expect(
            listed.filter((k) => !planned.has(k)),
            "listed as the components' but no plan creates them",
        ).to.deep.equal([]);
    });

    it("binds the role to the account and makes a token Secret for it: the objects the script applies", () => {
        const objects = YAML.parseAllDocuments(deployerManifest()).map((d) => d.toJS() as Record<string, unknown>);
        expect(objects).to.deep.equal(deployerObjects());
        const secret = objects.find((o) => o.kind === "Secret") as {
            type: string;
            metadata: { name: string; namespace: string; annotations: Record<string, string> };
        };
        expect(secret.type).to.equal("kubernetes.io/service-account-token");
        expect(secret.metadata).to.deep.include({ name: DEPLOYER_TOKEN_SECRET, namespace: DEPLOYER_NAMESPACE });
        expect(secret.metadata.annotations["kubernetes.io/service-account.name"]).to.equal(DEPLOYER_ACCOUNT);
        const binding = objects.find((o) => o.kind === "ClusterRoleBinding") as { roleRef: { name: string }; subjects: unknown[] };
        expect(binding.roleRef.name).to.equal(DEPLOYER_ACCOUNT);
        expect(binding.subjects).to.deep.equal([{ kind: "ServiceAccount", name: DEPLOYER_ACCOUNT, namespace: DEPLOYER_NAMESPACE }]);
    });

    it("hands over the deployer's kubeconfig through each K3s stack's registration address, not the admin certificate", () => {
        const k3s = clusterStacks().filter((s) => s.orchestrator === "k3s");
        expect(k3s).to.not.be.empty;
        for (const settings of k3s) {
            const script = hostScripts(settings).get("scripts/k3s-deployer.sh")!;
            expect(script, settings.stack).to.include(`server: https://${settings.k3sRegistrationAddress}:6443`);
            expect(script).to.not.include("/etc/rancher/k3s/k3s.yaml");
        }
        const staging = k3s.find((s) => s.stack === "staging")!;
        const read = clusterPlanOf(staging.stack).plan!.resources.find((r) => r.name === "k3s-kubeconfig")!;
        expect(read.inputs.create).to.equal(runScriptCommand("k3s-deployer", renderK3sDeployer({ registrationAddress: staging.k3sRegistrationAddress! })));
    });
});

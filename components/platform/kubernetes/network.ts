import type * as k8s from "@pulumi/kubernetes";
import { INGRESS_CONTROLLER, Group, WorkloadSpec } from "../types";
import type { KubernetesFlavor } from "./flavor";
import { selectorLabels } from "./pod";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Private and link-local ranges: "public host" egress excludes them, so it never reaches the cluster. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

const namespaceSelector = (namespace: string) => ({ matchLabels: { "kubernetes.io/metadata.name": namespace } });

/** Deny everything in and out of a namespace; each workload then allows what it needs. */
export const defaultDenySpec: NetworkPolicySpec = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };

export interface NetworkInputs {
    readonly name: string;
    readonly ports: WorkloadSpec["ports"];
    readonly ingress?: WorkloadSpec["ingress"];
    readonly outbound?: readonly string[];
    readonly connectsTo?: readonly Group[];
}

/**
 * A workload's explicit allowances: named groups to named ports in, and out only DNS, the groups it
 * connects to and, when it declares outbound hosts, HTTPS to public addresses. NetworkPolicy
 * cannot name hosts, so the hosts are kept as an annotation for egress gateways and review.
 */
export function workloadNetworkPolicySpec(spec: NetworkInputs, namespaceOf: (g: Group) => string, flavor: KubernetesFlavor): NetworkPolicySpec {
    const portNumber = (name: string): number => {
        const port = spec.ports.find((p) => p.name === name);
        if (!port) throw new Error(`${spec.name}: ingress names unknown port "${name}"`);
        return port.port;
    };
    const egress: EgressRule[] = [
        {
            to: [{ namespaceSelector: namespaceSelector(flavor.dnsNamespace), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ],
        },
        ...(spec.connectsTo ?? []).map((group) => ({ to: [{ namespaceSelector: namespaceSelector(namespaceOf(group)) }] })),
    ];
    if ((spec.outbound ?? []).length > 0) {
        egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }], ports: [{ protocol: "TCP", port: 443 }] });
    }
    return {
        podSelector: { matchLabels: selectorLabels(spec.name) },
        policyTypes: ["Ingress", "Egress"],
        ingress: (spec.ingress ?? []).map((allow) => ({
            from: [{ namespaceSelector: namespaceSelector(allow.from === INGRESS_CONTROLLER ? flavor.ingressControllerNamespace : namespaceOf(allow.from)) }],
            ports: allow.ports.map((p) => ({ protocol: "TCP", port: portNumber(p) })),
        })),
        egress,
    };
}

/**
 * What differs between a full Kubernetes cluster and K3s, written once. Everything else about the
 * two targets is the same code.
 */
export interface KubernetesFlavor {
    readonly name: "kubernetes" | "k3s";
    /** Storage class for persistent volumes when the stack does not name one. */
    readonly defaultStorageClass: string;
    /** The ingress controller the cluster runs and its class name. */
    readonly ingressClassName: string;
    /** Multi-node clusters refuse to stack replicas on one node; K3s is often a single node. */
    readonly spreadWhenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
    /** Spread across zones too, where nodes carry zone labels. */
    readonly spreadAcrossZones: boolean;
    /** Namespace of the cluster DNS, which every workload may reach. */
    readonly dnsNamespace: string;
    /** Namespace the ingress controller's pods run in (the source of routed traffic). */
    readonly ingressControllerNamespace: string;
}

export const KUBERNETES: KubernetesFlavor = {
    name: "kubernetes",
    defaultStorageClass: "gp3",
    ingressClassName: "nginx",
    spreadWhenUnsatisfiable: "DoNotSchedule",
    spreadAcrossZones: true,
    dnsNamespace: "kube-system",
    ingressControllerNamespace: "ingress-nginx",
};

/** K3s: bundled Traefik ingress, the local-path provisioner, single-node-friendly spreading. */
export const K3S: KubernetesFlavor = {
    ...KUBERNETES,
    name: "k3s",
    defaultStorageClass: "local-path",
    ingressClassName: "traefik",
    spreadWhenUnsatisfiable: "ScheduleAnyway",
    spreadAcrossZones: false,
    // K3s runs its bundled Traefik in kube-system.
    ingressControllerNamespace: "kube-system",
};

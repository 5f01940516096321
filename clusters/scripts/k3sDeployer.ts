// The platform's deployer on K3s: a ServiceAccount with a ClusterRole limited to what the
// platform's stacks create, and a long-lived token Secret the operator revokes by deleting it.
// Its kubeconfig, not K3s's admin client certificate (valid a year, never renewed, not revocable),
// is what the cluster hands to ESC.
import * as YAML from "yaml";
import { prelude } from "./common";

export const DEPLOYER_NAMESPACE = "sophia-deployer";
export const DEPLOYER_ACCOUNT = "sophia-deployer";
/** The token Secret: deleting it revokes the token, and the next run of the script makes a new one. */
export const DEPLOYER_TOKEN_SECRET = "sophia-deployer-token";

/** The verbs a deployer needs on what it owns: Pulumi's reads and server-side apply, Helm's installs and upgrades. */
export const DEPLOY_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"] as const;
/** What the deployer only reads: what Pulumi's and Helm's readiness checks watch while a rollout settles. */
export const READ_VERBS = ["get", "list", "watch"] as const;

export interface DeployedKind {
    readonly apiGroup: string;
    readonly resources: readonly string[];
    /**
     * Who makes them: the platform's components (as its plans show), the Helm charts they install,
     * or nobody: "readiness" kinds are only read (READ_VERBS), by the rollout checks.
     */
    readonly by: "components" | "charts" | "readiness";
    readonly why: string;
}

/**
 * What the platform's stacks create on K3s and Kubernetes, by API group. The components' kinds
 * are checked against the platform's plans (test/clusters/deployer.test.ts); the charts' kinds are
 * what cert-manager, kube-prometheus-stack and prometheus-adapter install (CRDs, their
 * controllers' RBAC, admission webhooks, the metrics API), which an offline plan cannot show.
 */
export const DEPLOYED_KINDS: readonly DeployedKind[] = [
    {
        apiGroup: "",
        resources: ["namespaces", "serviceaccounts", "services", "configmaps", "secrets"],
        by: "components",
        why: "namespaces, accounts, services, config, secrets (Helm keeps its release state in secrets too)",
    },
    { apiGroup: "apps", resources: ["deployments", "statefulsets"], by: "components", why: "MCP servers, PostgreSQL, Redis" },
    { apiGroup: "apps", resources: ["daemonsets"], by: "charts", why: "node-exporter" },
    { apiGroup: "batch", resources: ["cronjobs"], by: "components", why: "backups" },
    { apiGroup: "batch", resources: ["jobs"], by: "charts", why: "webhook certificate and start-up check jobs" },
    { apiGroup: "autoscaling", resources: ["horizontalpodautoscalers"], by: "components", why: "autoscaling" },
    { apiGroup: "policy", resources: ["poddisruptionbudgets"], by: "components", why: "highly available servers" },
    { apiGroup: "networking.k8s.io", resources: ["networkpolicies", "ingresses"], by: "components", why: "network allowances, the edge's routes" },
    { apiGroup: "cert-manager.io", resources: ["clusterissuers"], by: "components", why: "the edge's ACME issuer" },
    { apiGroup: "monitoring.coreos.com", resources: ["servicemonitors", "prometheusrules"], by: "components", why: "scrape targets, alert rules" },
    {
        apiGroup: "monitoring.coreos.com",
        resources: ["prometheuses", "alertmanagers"],
        by: "charts",
        why: "kube-prometheus-stack's Prometheus and Alertmanager",
    },
    { apiGroup: "apiextensions.k8s.io", resources: ["customresourcedefinitions"], by: "charts", why: "cert-manager's and the Prometheus operator's CRDs" },
    {
        apiGroup: "admissionregistration.k8s.io",
        resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
        by: "charts",
        why: "their admission webhooks",
    },
    {
        apiGroup: "apiregistration.k8s.io",
        resources: ["apiservices"],
        by: "charts",
        why: "prometheus-adapter's custom metrics API, which the autoscalers read",
    },
    {
        apiGroup: "rbac.authorization.k8s.io",
        resources: ["clusterroles", "clusterrolebindings", "roles", "rolebindings"],
        by: "charts",
        why: "their controllers' RBAC",
    },
    {
        apiGroup: "",
        resources: ["pods", "endpoints", "persistentvolumeclaims", "events"],
        by: "readiness",
        why: "Pulumi's await logic and Helm's wait follow a rollout through the pods, endpoints and claims its controllers make",
    },
    { apiGroup: "apps", resources: ["replicasets"], by: "readiness", why: "a Deployment's rollout is read from its ReplicaSets" },
    { apiGroup: "discovery.k8s.io", resources: ["endpointslices"], by: "readiness", why: "a Service is ready when its endpoints are" },
];

/** The verbs the deployer holds on a kind. */
export const verbsOf = (kind: DeployedKind): readonly string[] => (kind.by === "readiness" ? READ_VERBS : DEPLOY_VERBS);

/**
 * Kubernetes lets an account create a role only with rights it holds itself, unless it may
 * `escalate`, and bind a role only with `bind`. The charts' roles grant more than a deployer
 * should hold (the Prometheus operator's `*` on its own kinds, kube-state-metrics' list of every
 * kind), so the deployer may escalate and bind roles; docs/04-deployment/clusters.md says what that
 * leaves open.
 */
export const ROLE_ESCALATION_RULE = { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles", "roles"], verbs: ["bind", "escalate"] };

export interface PolicyRule {
    readonly apiGroups: readonly string[];
    readonly resources: readonly string[];
    readonly verbs: readonly string[];
}

export function deployerRules(): PolicyRule[] {
    return [...DEPLOYED_KINDS.map((k) => ({ apiGroups: [k.apiGroup], resources: [...k.resources], verbs: [...verbsOf(k)] })), ROLE_ESCALATION_RULE];
}

/** The deployer's objects, in the order they are applied. */
export function deployerObjects(): Record<string, unknown>[] {
    const labels = { "app.kubernetes.io/managed-by": "sophia-clusters" };
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: DEPLOYER_NAMESPACE, labels } },
        {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: DEPLOYER_ACCOUNT, namespace: DEPLOYER_NAMESPACE, labels },
            automountServiceAccountToken: false,
        },
        { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: DEPLOYER_ACCOUNT, labels }, rules: deployerRules() },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: DEPLOYER_ACCOUNT, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: DEPLOYER_ACCOUNT },
            subjects: [{ kind: "ServiceAccount", name: DEPLOYER_ACCOUNT, namespace: DEPLOYER_NAMESPACE }],
        },
        {
            apiVersion: "v1",
            kind: "Secret",
            type: "kubernetes.io/service-account-token",
            metadata: {
                name: DEPLOYER_TOKEN_SECRET,
                namespace: DEPLOYER_NAMESPACE,
                labels,
                annotations: { "kubernetes.io/service-account.name": DEPLOYER_ACCOUNT },
            },
        },
    ];
}

export const deployerManifest = (): string =>
    deployerObjects()
        .map((o) => YAML.stringify(o))
        .join("---\n");

/** How long the script waits for K3s's token controller to fill the token Secret. */
export const TOKEN_WAIT_SECONDS = 60;

/**
 * On a K3s server: applies the deployer's objects (unchanged objects stay as they are, and a
 * deleted token Secret is made again with a new token), waits for the token, and prints on
 * standard output only the kubeconfig (the command's output, kept secret): the fixed registration
 * address, K3s's CA, the token. Progress goes to standard error. Takes no input.
 */
export function renderK3sDeployer(input: { registrationAddress: string }): string {
    const secret = `-n ${DEPLOYER_NAMESPACE} get secret ${DEPLOYER_TOKEN_SECRET}`;
    return `${prelude("K3s: the platform deployer's ServiceAccount, its ClusterRole and token, printed as a kubeconfig")}
# Standard output carries the kubeconfig alone.
exec 3>&1 1>&2
# K3s's kubectl (k3s installs itself in /usr/local/bin, which sudo's PATH holds), with its admin credentials.
kubectl() { k3s kubectl "$@"; }
applied=$(kubectl apply -f - <<'SOPHIA_MANIFEST'
${deployerManifest()}SOPHIA_MANIFEST
)
while read -r line; do
    case "$line" in
    *" unchanged") ;;
    *) changed "$line" ;;
    esac
done <<<"$applied"

token=""
for _ in $(seq 1 ${TOKEN_WAIT_SECONDS}); do
    token=$(kubectl ${secret} -o jsonpath='{.data.token}')
    [ -n "$token" ] && break
    sleep 1
done
if [ -z "$token" ]; then
    echo "sophia: the token Secret ${DEPLOYER_NAMESPACE}/${DEPLOYER_TOKEN_SECRET} has no token after ${TOKEN_WAIT_SECONDS} s: is K3s's controller manager running? (k3s kubectl ${secret} -o yaml)" >&2
    exit 1
fi
ca=$(kubectl ${secret} -o jsonpath='{.data.ca\\.crt}')
cat >&3 <<SOPHIA_KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: sophia
    cluster:
      server: https://${input.registrationAddress}:6443
      certificate-authority-data: $ca
users:
  - name: ${DEPLOYER_ACCOUNT}
    user:
      token: $(base64 -d <<<"$token")
contexts:
  - name: sophia
    context:
      cluster: sophia
      user: ${DEPLOYER_ACCOUNT}
current-context: sophia
SOPHIA_KUBECONFIG
finish k3s-deployer
`;
}

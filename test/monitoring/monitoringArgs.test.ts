// What the Monitoring component refuses to build from: secret values that leave out one it needs.
// The inputs' validation refuses that first (stacks/inputs.ts); this is the component's own guard,
// for a program that wires it by hand.
import { expect } from "chai";
import { GRAFANA_SECRETS, Monitoring } from "../../components/monitoring/monitoring";
import { ALERT_SECRETS } from "../../components/monitoring/render/alertmanager";
import { KUBERNETES } from "../../components/platform/kubernetes/flavor";
import { KubernetesPlatform } from "../../components/platform/kubernetes/platform";
import { loadStackSettings } from "../../stacks/settings";

const settings = () =>
    loadStackSettings(
        "monitoring-args",
        (key) =>
            ({
                target: "kubernetes",
                registry: "registry.example.com",
                kubeconfig: "true",
                nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
            })[key],
    );
const allSecrets = () => new Map<string, string>([...Object.values(ALERT_SECRETS), GRAFANA_SECRETS.password].map((key) => [key, `value-of-${key}`]));

describe("the Monitoring component's own guards", () => {
    for (const missing of [ALERT_SECRETS.pagerDutyRoutingKey, GRAFANA_SECRETS.password]) {
        it(`names the secret whose value it was not given (${missing}), and never a value`, () => {
            const secretValues = allSecrets();
            secretValues.delete(missing);
            const name = `monitoring-no-${missing.toLowerCase().replace(/_/g, "-")}`;
            const platform = new KubernetesPlatform(name, { flavor: KUBERNETES, namespacePrefix: name, registry: "registry.example.com" });
            const build = () => new Monitoring(name, { platform, stack: "qa", prefix: name, settings: settings().monitoring, servers: [], secretValues });
            let message = "";
            try {
                build();
            } catch (e) {
                message = (e as Error).message;
            }
            expect(message).to.equal(`monitoring: no value for secret ${missing}`);
            for (const value of secretValues.values()) expect(message).to.not.include(value);
        });
    }
});

import { expect } from "chai";
import { artifact, evaluateStack, ofType } from "../support/program";

/** The server blocks of an nginx configuration, by server_name. */
function serverBlocks(conf: string): Map<string, string> {
    const blocks = new Map<string, string>();
    const parts = conf.split(/\n\s*server \{/).slice(1);
    for (const part of parts) {
        const name = /server_name ([^;]+);/.exec(part)?.[1];
        if (name) blocks.set(name, part);
    }
    return blocks;
}

describe("the monitoring UIs at the edge", () => {
    for (const [stack, domain] of [
        ["dev", "dev.sophia-ai.com"],
        ["staging", "staging.sophia-ai.com"],
        ["prod", "sophia-ai.com"],
    ]) {
        it(`${stack}: Grafana, Alertmanager and Jaeger are served only after sign-in, over TLS`, async () => {
            const e = await evaluateStack(stack);
            const blocks = serverBlocks(artifact(e, "edge/nginx.conf"));
            const ingresses = ofType(e, "kubernetes:networking.k8s.io/v1:Ingress").map(
                (r) => r.inputs as { spec: { tls?: { hosts: string[] }[]; rules: { host: string }[] } },
            );
            for (const ui of ["grafana", "alertmanager", "jaeger"]) {
                const host = `${ui}.${domain}`;
                const block = blocks.get(host);
                expect(block, `${stack} ${ui}`).to.not.equal(undefined);
                expect(block).to.include("auth_request /oauth2/auth;");
                if (e.settings.target === "swarm") {
                    // The gateway itself terminates TLS on Swarm.
                    expect(block).to.match(/listen \d+ ssl/);
                } else {
                    // The cluster's ingress terminates TLS (cert-manager) and forwards to the gateway.
                    const ingress = ingresses.find((i) => i.spec.rules.some((r) => r.host === host));
                    expect(ingress, `${stack} ${host} ingress`).to.not.equal(undefined);
                    expect(ingress!.spec.tls!.flatMap((t) => t.hosts)).to.include(host);
                }
            }
        });
    }
});

import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCatalog } from "../../../catalog";
import { planOf } from "../../support/plan";
import { waitFor } from "../../support/tools";
import { Applied, applyPlan } from "./apply";
import { containerOf, convergenceOf, fixtureService, ServiceConvergence } from "./cluster";
import { Dockerd } from "./engine";
import { buildImages } from "./images";
import type { PlanResource } from "./translate";

const catalog = loadCatalog();
const SINK = "engine-test-webhook-sink";
const PROBE = "engine-test-probe";

const secretKey = (secret: PlanResource): string =>
    (secret.inputs.labels as { label: string; value: string }[]).find((l) => l.label === "sophia.ai/secret")!.value;

/** A self-signed certificate for the edge's server names (the plan's TLS secrets come from ESC). */
function selfSignedCertificate(dir: string, domain: string): { certificate: string; key: string } {
    const [cert, key] = [path.join(dir, "edge.crt"), path.join(dir, "edge.key")];
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=*.mcp.${domain}`, "-keyout", key, "-out", cert], {
        stdio: "ignore",
    });
    return { certificate: fs.readFileSync(cert, "utf8"), key: fs.readFileSync(key, "utf8") };
}

/** "service: change" lines grouped by change, so each adaptation prints once with its services. */
function summarise(changes: readonly string[]): string {
    const byChange = new Map<string, string[]>();
    for (const line of changes) {
        const [service, change] = [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)];
        byChange.set(change, [...(byChange.get(change) ?? []), service]);
    }
    return [...byChange].map(([change, services]) => `        - ${change}: ${services.length} service(s): ${services.join(", ")}`).join("\n");
}

describe("the dev stack on a real Docker Swarm", function () {
    const timings: Record<string, number> = {};
    const started = Date.now();
    const mark = (step: string) => (timings[step] = Math.round((Date.now() - started) / 1000));
    let work: string;
    let dockerd: Dockerd;
    let resources: PlanResource[];
    let applied: Applied;
    /** Secret values by secret resource name, as the test supplied them. */
    const secretValues = new Map<string, string>();
    let networks: Map<string, string>;

    before(async function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-engines-swarm-"));
        const plan = planOf("dev").plan!;
        resources = plan.resources;
        mark("plan");
        dockerd = new Dockerd(work);
        await dockerd.start();
        mark("engine");
        const services = resources.filter((r) => r.type === "docker:index/service:Service");
        const images = [...new Set(services.map((s) => String(s.inputs.taskSpec.containerSpec.image)))];
        await buildImages(dockerd.api, work, images, new Set(catalog.servers.map((s) => s.name)));
        mark("images");
        const tls = selfSignedCertificate(work, "dev.sophia-ai.com");
        const special: Record<string, string> = {
            EDGE_TLS_CERTIFICATE: tls.certificate,
            EDGE_TLS_PRIVATE_KEY: tls.key,
            ALERT_SLACK_WEBHOOK_URL: `http://${SINK}:8080/slack`,
        };
        applied = await applyPlan(
            dockerd.api,
            resources,
            (secret) => {
                const value = special[secretKey(secret)] ?? `engine-test-${secretKey(secret).toLowerCase()}-${crypto.randomBytes(12).toString("hex")}`;
                secretValues.set(secret.name, value);
                return Buffer.from(value).toString("base64");
            },
            { cores: os.cpus().length, dockerSocket: dockerd.socket },
        );
        mark("applied");
        console.log(`      applied ${applied.created.length} resources; sandbox adaptations (see sandbox.ts):\n${summarise(applied.sandboxChanges)}`);
        networks = new Map(
            resources.filter((r) => r.type === "docker:index/network:Network").map((n) => [String(n.inputs.name), applied.ids.get(`${n.name}-id`)!]),
        );
        await dockerd.api.expect("POST", "/services/create", fixtureService(PROBE, "probe", [...networks.values()]));
        await dockerd.api.expect("POST", "/services/create", fixtureService(SINK, "webhook-sink", [networks.get("sophia-monitoring")!]));
    });

    after(async function () {
        mark("done");
        console.log(`      timings (s since start): ${JSON.stringify(timings)}`);
        await dockerd?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("converges: every service of the plan runs its replicas and passes its health check", async function () {
        const wanted = [...applied.services.values()].map((s) => ({ name: String(s.spec.Name), replicas: Number(s.spec.Mode?.Replicated?.Replicas ?? 1) }));
        expect(wanted.length).to.equal(resources.filter((r) => r.type === "docker:index/service:Service").length);
        let last: ServiceConvergence[] = [];
        try {
            await waitFor(
                "every service to converge",
                async () => {
                    last = await Promise.all(wanted.map((w) => convergenceOf(dockerd.api, w.name, w.replicas)));
                    return last.every((c) => c.healthy === c.replicas) ? true : undefined;
                },
                360_000,
                5_000,
            );
        } finally {
            mark("converged");
            const pending = last.filter((c) => c.healthy !== c.replicas);
            if (pending.length > 0) console.log(pending.map((c) => `      not converged: ${c.service} ${c.healthy}/${c.replicas}: ${c.detail}`).join("\n"));
        }
        for (const server of catalog.servers) expect(applied.services.has(`sophia-${server.name}`), server.name).to.be.true;
    });

    it("mounts every secret as a file under /run/secrets, never as an environment value", async function () {
        let checked = 0;
        for (const service of applied.services.values()) {
            const mounted = (service.spec.TaskTemplate.ContainerSpec.Secrets ?? []) as { SecretName: string; File: { Name: string } }[];
            if (mounted.length === 0) continue;
            const container = await containerOf(dockerd.api, String(service.spec.Name));
            const environment = dockerd.exec(container, ["env"]).stdout;
            for (const secret of mounted) {
                const value = secretValues.get(secret.SecretName)!;
                expect(secret.File.Name, `${service.spec.Name}: ${secret.SecretName}`).to.match(/^\/run\/secrets\//);
                expect(dockerd.exec(container, ["cat", secret.File.Name]).stdout, `${service.spec.Name}: ${secret.File.Name}`).to.equal(value);
                expect(environment.includes(value.split("\n")[0]), `${service.spec.Name}: the value of ${secret.SecretName} is in its environment`).to.be.false;
                checked += 1;
            }
        }
        expect(checked).to.equal([...applied.services.values()].reduce((n, s) => n + (s.spec.TaskTemplate.ContainerSpec.Secrets ?? []).length, 0));
        expect(checked).to.be.greaterThan(0);
    });
});

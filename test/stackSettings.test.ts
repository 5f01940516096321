// docs/04-deployment/stacks.md states every stack key and the defaults the code applies: each
// documented default is compared with what loadStackSettings fills in for a stack that sets nothing.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { TIERS } from "../catalog/schema";
import { loadStackSettings, SETTING_KEYS, StackSettings } from "../stacks/settings";
import { ROOT } from "./support/plan";

const DOC = fs.readFileSync(path.join(ROOT, "docs/04-deployment/stacks.md"), "utf8");

/** The rows of the table under a heading (or after a line starting with `intro`), as cells. */
function table(intro: string): string[][] {
    const start = DOC.indexOf(intro);
    expect(start, `stacks.md has no "${intro}"`).to.be.at.least(0);
    const lines = DOC.slice(start).split("\n");
    const first = lines.findIndex((l) => l.startsWith("|"));
    const rows: string[][] = [];
    for (const line of lines.slice(first + 2)) {
        if (!line.startsWith("|")) break;
        rows.push(
            line
                .slice(1, -1)
                .split("|")
                .map((c) => c.trim()),
        );
    }
    return rows;
}

/** A cell that is exactly one `literal`, parsed as YAML (numbers, booleans, flow maps); otherwise undefined. */
function literal(cell: string): unknown {
    const match = /^`([^`<]+)`$/.exec(cell);
    return match ? YAML.parse(match[1]) : undefined;
}

const minimal: Record<string, string> = {
    target: "kubernetes",
    registry: "registry.sophia-ai.com",
    kubeconfig: "apiVersion: v1",
    domain: "sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
    edge: JSON.stringify({ tls: "provided", authMode: "oidc", oidcIssuerUrl: "https://id.sophia-ai.com", oidcClientId: "edge" }),
    backup: JSON.stringify({ region: "us-east-1", replicaRegion: "us-west-2" }),
};
const settings: StackSettings = loadStackSettings("qa", (key) => minimal[key]);

describe("docs/04-deployment/stacks.md against stacks/settings.ts", () => {
    it("documents every setting key", () => {
        const documented = table("## Keys").map((row) => /^`(\w+)`$/.exec(row[0])?.[1]);
        expect(SETTING_KEYS.filter((key) => !documented.includes(key))).to.deep.equal([]);
    });

    it("states the tier defaults the code applies", () => {
        const rows = table("Tier defaults");
        expect(rows.map((r) => r[0])).to.deep.equal([...TIERS]);
        for (const [tier, replicas, maxReplicas, requests, limits] of rows) {
            const t = settings.tiers[tier as (typeof TIERS)[number]];
            const pair = (c: { cpu: string; memory: string }) => `${c.cpu} / ${c.memory}`;
            expect([Number(replicas), Number(maxReplicas), requests, limits], tier).to.deep.equal([
                t.replicas,
                t.maxReplicas,
                pair(t.resources.requests),
                pair(t.resources.limits),
            ]);
        }
    });

    for (const [heading, defaultColumn, loaded] of [
        ["## Keys", 2, settings],
        ["### `edge`", 2, settings.edge],
        ["### `monitoring`", 1, settings.monitoring],
        ["### `backup`", 2, settings.backup],
    ] as const) {
        it(`states the defaults of ${heading.replace(/^#+ /, "")} the code applies`, () => {
            const compared = table(heading).filter((row) => literal(row[defaultColumn]) !== undefined);
            expect(compared, "no default compared").to.not.be.empty;
            for (const row of compared) {
                const key = row[0].replace(/`/g, "");
                if (key === "catalog") continue; // read by stacks/inputs.ts, not a setting
                expect((loaded as Record<string, unknown>)[key], key).to.deep.equal(literal(row[defaultColumn]));
            }
        });
    }

    it("requires what it marks as required, and nothing more", () => {
        const required = table("## Keys")
            .filter((row) => row[1] === "yes")
            .map((row) => row[0].replace(/`/g, ""));
        expect(required).to.deep.equal(["target", "registry", "nodeCapacity"]);
        const base = { target: "k3s", registry: "registry.sophia-ai.com", nodeCapacity: minimal.nodeCapacity };
        expect(() => loadStackSettings("qa", (key) => (base as Record<string, string>)[key])).to.not.throw();
        for (const key of required) {
            const without = (k: string) => (k === key ? undefined : (base as Record<string, string>)[k]);
            expect(() => loadStackSettings("qa", without), key).to.throw(`sophia:${key}`);
        }
    });
});

/** The problems loadStackSettings reports for the minimal stack with some keys changed; [] when it loads. */
function problemsWith(change: Record<string, unknown>, stack = "qa"): string[] {
    const values: Record<string, string | undefined> = { ...minimal };
    for (const [key, value] of Object.entries(change))
        values[key] = value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
    try {
        loadStackSettings(stack, (key) => values[key]);
        return [];
    } catch (error) {
        expect(error).to.have.property("problems");
        return (error as { problems: { where: string; message: string }[] }).problems.map((p) => `${p.where}: ${p.message}`);
    }
}

const edge = JSON.parse(minimal.edge) as Record<string, unknown>;
const backup = JSON.parse(minimal.backup) as Record<string, unknown>;

/** Per setting: values it takes, values it refuses, and what the message says (with the key's path). */
const SETTINGS: readonly { where: string; valid: unknown[]; invalid: unknown[]; message: string; set: (v: unknown) => Record<string, unknown> }[] = [
    {
        where: "sophia:registry",
        valid: ["registry.sophia-ai.com", "ghcr.io/sophia-ai", "localhost:5000/a/b_c", "r"],
        invalid: ["Registry.example", "https://ghcr.io", "a b", "ghcr.io/", "r:port"],
        message: "expected a registry such as registry.sophia-ai.com or ghcr.io/sophia-ai",
        set: (v) => ({ registry: v }),
    },
    {
        where: "sophia:domain",
        valid: ["dev.sophia-ai.com", "a.b", "x1.y-2.z"],
        invalid: ["sophia", "Dev.sophia.com", "-a.com", "a-.com", "a..com", "a.com."],
        message: "expected a DNS name such as dev.sophia-ai.com",
        set: (v) => ({ domain: v }),
    },
    {
        where: "sophia:namespace",
        valid: ["sophia", "a", "a1-b2", `a${"b".repeat(41)}`],
        invalid: ["Sophia", "1a", "a-", `a${"b".repeat(42)}`, "a_b"],
        message: "expected a short lowercase name",
        set: (v) => ({ namespace: v }),
    },
    {
        where: "sophia:dockerHost",
        valid: ["ssh://deploy@swarm", "tcp://host:2376", "unix:///var/run/docker.sock", "npipe:////./pipe/docker"],
        invalid: ["docker.example", "http://host", "ssh://", " ssh://a"],
        message: "expected ssh://user@host, tcp://host:2376 or unix:///path",
        set: (v) => ({ target: "k3s", kubeconfig: undefined, dockerHost: v }),
    },
    {
        where: "sophia:nodeCapacity.nodes",
        valid: [1, 12],
        invalid: [0, 1.5],
        message: "",
        set: (v) => ({ nodeCapacity: { nodes: v, cpu: "8", memory: "32Gi" } }),
    },
    {
        where: "sophia:monitoring.retention",
        valid: ["15d", "500ms", "12h", "2w", "1y", "30s", "5m"],
        invalid: ["15 days", "d", "15", "1.5d"],
        message: 'expected a duration such as "15d" or "30s"',
        set: (v) => ({ monitoring: { retention: v } }),
    },
    {
        where: "sophia:monitoring.replicas.grafana",
        valid: [1, 3],
        invalid: [0],
        message: "",
        set: (v) => ({ monitoring: { replicas: { grafana: v } } }),
    },
    {
        where: "sophia:edge.tls",
        valid: ["provided", "acme"],
        invalid: ["letsencrypt"],
        message: "expected one of acme, provided",
        set: (v) => ({ edge: { ...edge, tls: v, acmeEmail: "ops@sophia-ai.com" } }),
    },
    {
        where: "sophia:edge.authMode",
        valid: ["oidc"],
        invalid: ["basic"],
        message: "unknown auth mode: expected one of oidc",
        set: (v) => ({ edge: { ...edge, authMode: v } }),
    },
    {
        where: "sophia:edge.oidcIssuerUrl",
        valid: ["https://id.example.com/realms/x"],
        invalid: ["http://id.example.com", "id.example.com"],
        message: "expected the https URL of the OIDC issuer",
        set: (v) => ({ edge: { ...edge, oidcIssuerUrl: v } }),
    },
    {
        where: "sophia:edge.acmeServer",
        valid: ["https://acme-staging-v02.api.letsencrypt.org/directory"],
        invalid: ["http://acme.example"],
        message: "expected the https URL of an ACME directory",
        set: (v) => ({ edge: { ...edge, acmeServer: v } }),
    },
    {
        where: "sophia:edge.acmeEmail",
        valid: ["ops@sophia-ai.com"],
        invalid: ["ops"],
        message: "expected the e-mail address the ACME account is registered with",
        set: (v) => ({ edge: { ...edge, acmeEmail: v } }),
    },
    {
        where: "sophia:edge.maxRequestBodySize",
        valid: ["1m", "512k", "100"],
        invalid: ["1 m", "1g", "m", "1M"],
        message: 'expected an nginx size such as "1m" or "512k"',
        set: (v) => ({ edge: { ...edge, maxRequestBodySize: v } }),
    },
    {
        where: "sophia:edge.streamTimeoutSeconds",
        valid: [60, 86400],
        invalid: [59, 86401, 90.5],
        message: "",
        set: (v) => ({ edge: { ...edge, streamTimeoutSeconds: v } }),
    },
    {
        where: "sophia:edge.rateLimit.requestsPerSecond",
        valid: [1],
        invalid: [0],
        message: "",
        set: (v) => ({ edge: { ...edge, rateLimit: { requestsPerSecond: v, burst: 0 } } }),
    },
    {
        where: "sophia:backup.region",
        valid: ["eu-west-1", "us-gov-west-1", "ap-southeast-2"],
        invalid: ["us-east", "US-EAST-1", "useast1", "us-east-1a"],
        message: "expected an AWS region such as us-east-1",
        set: (v) => ({ backup: { ...backup, region: v } }),
    },
    {
        where: "sophia:backup.fullBackupHour",
        valid: [0, 23],
        invalid: [24, -1],
        message: "",
        set: (v) => ({ backup: { ...backup, fullBackupHour: v } }),
    },
    {
        where: "sophia:backup.retentionDays",
        valid: [35, 3650],
        invalid: [0, 3651],
        message: "",
        set: (v) => ({ backup: { ...backup, retentionDays: v, coldStorageAfterDays: 1, hourlyRetentionDays: 1, objectLockDays: 1 } }),
    },
];

describe("stack settings: what each key takes and refuses", () => {
    for (const { where, valid, invalid, message, set } of SETTINGS) {
        it(`${where}${message ? `: ${message}` : ""}`, () => {
            for (const value of valid) expect(problemsWith(set(value)), JSON.stringify(value)).to.deep.equal([]);
            for (const value of invalid) {
                const found = problemsWith(set(value)).filter((p) => p.startsWith(`Pulumi.qa.yaml ${where}: `) && p.includes(message));
                expect(found, `${JSON.stringify(value)}: ${problemsWith(set(value)).join("; ")}`).to.have.length(1);
            }
        });
    }

    it("reads the stack name as the environment, which must be a lowercase name", () => {
        expect(loadStackSettings("qa-2", (key) => minimal[key]).environment).to.equal("qa-2");
        expect(problemsWith({}, "QA").join("\n")).to.include("sophia:environment").and.include("expected a lowercase name such as prod");
    });

    it("refuses structured values that are not objects, and booleans that are not true or false", () => {
        expect(problemsWith({ highAvailability: "yes" }).join("\n"))
            .to.include("sophia:highAvailability")
            .and.include("expected true or false");
        expect(problemsWith({ highAvailability: "true" })).to.deep.equal([]);
        expect(problemsWith({ edge: "{tls" }).join("\n"))
            .to.include("sophia:edge")
            .and.include("expected an object");
    });

    it("asks for the domain the edge serves, an ACME e-mail, and a provided certificate on Swarm", () => {
        expect(problemsWith({ domain: undefined })).to.deep.equal([
            "Pulumi.qa.yaml sophia:domain: not set; the edge needs the domain it serves, e.g. sophia:domain: dev.sophia-ai.com",
        ]);
        expect(problemsWith({ domain: undefined, edge: undefined })).to.deep.equal([]);
        expect(problemsWith({ edge: { ...edge, tls: "acme" } })).to.deep.equal([
            "Pulumi.qa.yaml sophia:edge.acmeEmail: not set; tls: acme needs the account e-mail (acmeEmail)",
        ]);
        const swarm = {
            target: "swarm",
            kubeconfig: undefined,
            dockerHost: "ssh://deploy@swarm",
            edge: { ...edge, tls: "acme", acmeEmail: "ops@sophia-ai.com" },
        };
        expect(problemsWith(swarm)).to.deep.equal([
            'Pulumi.qa.yaml sophia:edge.tls: got "acme"; target swarm serves a provided certificate: set tls: provided and the secrets EDGE_TLS_CERTIFICATE and EDGE_TLS_PRIVATE_KEY',
        ]);
        expect(problemsWith({ ...swarm, edge: edge })).to.deep.equal([]);
    });

    it("keeps backups consistent: another region for the replica, no retention outliving the fulls", () => {
        expect(problemsWith({ backup: { region: "us-west-2", replicaRegion: "us-west-2" } })).to.deep.equal([
            "Pulumi.qa.yaml sophia:backup.replicaRegion: the replica must be in another region than the primary (us-west-2), e.g. us-east-1",
        ]);
        expect(problemsWith({ backup: { region: "eu-west-1", replicaRegion: "eu-west-1" } })[0]).to.match(/\(eu-west-1\), e\.g\. us-west-2$/);
        expect(problemsWith({ backup: { ...backup, retentionDays: 10, coldStorageAfterDays: 9, hourlyRetentionDays: 10, objectLockDays: 10 } })).to.deep.equal(
            [],
        );
        expect(problemsWith({ backup: { ...backup, retentionDays: 10, coldStorageAfterDays: 10, hourlyRetentionDays: 11, objectLockDays: 11 } })).to.deep.equal(
            [
                "Pulumi.qa.yaml sophia:backup.hourlyRetentionDays: hourly backups (11 days) cannot outlive the daily fulls (retentionDays 10)",
                "Pulumi.qa.yaml sophia:backup.coldStorageAfterDays: fulls expire after 10 days, so moving them to cold storage after 10 days never happens: lower it below retentionDays",
                "Pulumi.qa.yaml sophia:backup.objectLockDays: the replica would keep backups locked (11 days) longer than they are retained (10 days)",
            ],
        );
    });

    it("needs a Docker host on Swarm and a kubeconfig on Kubernetes, neither on K3s", () => {
        expect(problemsWith({ target: "k3s", kubeconfig: undefined })).to.deep.equal([]);
        expect(problemsWith({ target: "swarm", kubeconfig: undefined })).to.have.length(1);
        expect(problemsWith({ target: "swarm", kubeconfig: undefined, dockerHost: "ssh://a@b" })).to.deep.equal([]);
        expect(problemsWith({ kubeconfig: undefined })).to.have.length(1);
    });

    it("asks for 2 replicas of critical and high servers under highAvailability, and not of the others", () => {
        const ha = (tiers: unknown) => problemsWith({ highAvailability: "true", tiers });
        expect(ha({ critical: { replicas: 1 } })).to.deep.equal([
            "Pulumi.qa.yaml sophia:tiers.critical.replicas: got 1; highAvailability needs at least 2 replicas for critical servers",
        ]);
        expect(ha({ medium: { replicas: 1 }, low: { replicas: 0 } })).to.deep.equal([]);
        expect(ha({ high: { replicas: 2, maxReplicas: 2 } })).to.deep.equal([]);
        expect(problemsWith({ tiers: { critical: { replicas: 1 } } })).to.deep.equal([]);
    });
});

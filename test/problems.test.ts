import { expect } from "chai";
import { z } from "zod";
import { editDistance, nearest } from "../stacks/nearest";
import { formatValue, friendlyIssueMessage, objectKeysAt, zodProblems } from "../stacks/problems";
import { platformSecretConsumers, PLATFORM_SECRETS } from "../stacks/secrets";
import { yamlPositions, locateProblems } from "../stacks/yamlSource";
import { loadStackSettings } from "../stacks/settings";

describe("input problems", () => {
    describe("the nearest valid name", () => {
        it("counts edits", () => {
            expect(editDistance("highAvailabilty", "highAvailability")).to.equal(1);
            expect(editDistance("", "abc")).to.equal(3);
            expect(editDistance("kitten", "sitting")).to.equal(3);
        });

        it("suggests a close name, ignoring case, or a shortened one, and nothing far", () => {
            const keys = ["target", "tiers", "highAvailability", "retentionDays"];
            expect(nearest("targett", keys)).to.equal("target");
            expect(nearest("HIGHAVAILABILITY", keys)).to.equal("highAvailability");
            expect(nearest("retention", keys)).to.equal("retentionDays");
            expect(nearest("tierz", keys)).to.equal("tiers");
            expect(nearest("monitoringStack", keys)).to.equal(undefined);
            expect(nearest("x", [])).to.equal(undefined);
        });
    });

    describe("zod issues in the project's words", () => {
        const schema = z.strictObject({
            target: z.enum(["swarm", "k3s"]),
            flag: z.literal(true).optional(),
            count: z.number().int().min(1).max(3).optional(),
            name: z.string().min(2).max(4).optional(),
            list: z
                .array(z.strictObject({ host: z.string() }))
                .max(1)
                .optional(),
            gt: z.number().gt(0).lt(10).optional(),
            nested: z.strictObject({ inner: z.record(z.string(), z.strictObject({ size: z.number() })) }).optional(),
            note: z
                .string()
                .refine((s) => s !== "bad", "a custom message")
                .optional(),
        });
        const problems = (data: unknown) => {
            const parsed = schema.safeParse(data, { error: friendlyIssueMessage });
            return zodProblems(parsed.error!.issues, (p) => p.join("."), { data, schema }).map((p) => `${p.where}: ${p.message}`);
        };

        it("name the value they got and what was expected", () => {
            expect(problems({ target: "nomad", flag: false, count: 0, name: "a", gt: 0 })).to.deep.equal([
                'target: got "nomad"; expected one of swarm | k3s',
                "flag: got false; expected true",
                "count: got 0; expected at least 1",
                'name: got "a"; expected at least 2 character(s)',
                "gt: got 0; expected more than 0",
            ]);
            expect(problems({ target: "k3s", count: 4, name: "abcde", gt: 10, list: [{ host: "a" }, { host: "b" }] })).to.deep.equal([
                "count: got 4; expected at most 3",
                'name: got "abcde"; expected at most 4 character(s)',
                'list: got [{"host":"a"},{"host":"b"}]; expected at most 1 item(s)',
                "gt: got 10; expected less than 10",
            ]);
        });

        it("say not set for a missing value, and keep a field's own message", () => {
            expect(problems({ note: "bad", list: "x", nested: 1 })).to.deep.equal([
                "target: not set; expected one of swarm | k3s",
                'list: got "x"; expected a list',
                "nested: got 1; expected an object",
                'note: got "bad"; a custom message',
            ]);
        });

        it("report an unknown field with the nearest known one, through lists and records", () => {
            expect(problems({ target: "k3s", tagret: "x", list: [{ hots: "a" }], nested: { inner: { a: { sise: 1 } } } })).to.deep.equal([
                'list.0.hots: got "a"; unknown field: did you mean host?',
                "nested.inner.a.sise: got 1; unknown field: did you mean size?",
                'tagret: got "x"; unknown field: did you mean target?',
            ]);
        });

        it("list the known fields when none is near", () => {
            expect(problems({ target: "k3s", colour: 1 })).to.deep.equal([
                "colour: got 1; unknown field; expected one of target, flag, count, name, list, gt, nested, note",
            ]);
        });

        it("find the fields of nested objects, and none past a scalar", () => {
            expect(objectKeysAt(schema, ["nested", "inner", "x"])).to.deep.equal(["size"]);
            expect(objectKeysAt(schema, ["target", "x"])).to.deep.equal([]);
        });

        it("shorten long values", () => {
            expect(formatValue("x".repeat(200))).to.have.length(80);
            expect(formatValue(undefined)).to.equal("nothing");
        });
    });

    describe("positions in YAML files", () => {
        const text = "# stack\nconfig:\n  sophia:edge:\n    tls: acme\n  sophia:tiers: { low: { replicas: 1 } }\n  list:\n    - a\n    - b: 2\n";
        const at = yamlPositions(text);

        it("point at the value, at the key, or at the object a missing field belongs to", () => {
            expect(at(["config", "sophia:edge", "tls"])).to.deep.equal({ line: 4, column: 10 });
            expect(at(["config", "sophia:edge", "tls"], true)).to.deep.equal({ line: 4, column: 5 });
            expect(at(["config", "sophia:tiers", "low", "replicas"])).to.deep.equal({ line: 5, column: 36 });
            expect(at(["config", "list", 1, "b"])).to.deep.equal({ line: 8, column: 10 });
            expect(at(["config", "sophia:edge", "authMode"])).to.deep.equal({ line: 4, column: 5 });
            expect(at(["config", "list", 5])).to.deep.equal({ line: 7, column: 5 });
        });

        it("give no position for a top-level key the file lacks", () => {
            expect(at(["config", "sophia:target"])).to.equal(undefined);
            expect(at(["other"])).to.equal(undefined);
        });

        it("add line:column only to the problems about that file", () => {
            const located = locateProblems(
                [
                    { where: "Pulumi.dev.yaml sophia:edge.tls", message: "m", source: { file: "Pulumi.dev.yaml", path: ["config", "sophia:edge", "tls"] } },
                    { where: "Pulumi.dev.yaml sophia:target", message: "m", source: { file: "Pulumi.dev.yaml", path: ["config", "sophia:target"] } },
                    { where: "mcp-servers.yaml servers[0]", message: "m", source: { file: "mcp-servers.yaml", path: ["servers", 0] } },
                    { where: "Pulumi.dev.yaml sophia:x", message: "m" },
                ],
                "Pulumi.dev.yaml",
                text,
            );
            expect(located.map((p) => p.where)).to.deep.equal([
                "Pulumi.dev.yaml:4:10 sophia:edge.tls",
                "Pulumi.dev.yaml sophia:target",
                "mcp-servers.yaml servers[0]",
                "Pulumi.dev.yaml sophia:x",
            ]);
        });
    });

    it("knows every secret a platform component may read, so an unused one is told apart while settings are invalid", () => {
        const settings = loadStackSettings(
            "prod",
            (key) =>
                ({
                    target: "k3s",
                    registry: "registry.sophia-ai.com",
                    domain: "sophia-ai.com",
                    nodeCapacity: '{"nodes":1,"cpu":"8","memory":"32Gi"}',
                    edge: JSON.stringify({ tls: "provided", authMode: "oidc", oidcIssuerUrl: "https://id.sophia-ai.com", oidcClientId: "c" }),
                    backup: JSON.stringify({ region: "us-east-1", replicaRegion: "us-west-2" }),
                    restore: JSON.stringify({
                        bucket: "sophia-prod-dr-backups-replica-us-east-1",
                        region: "us-east-1",
                        keyArn: "arn:aws:kms:us-east-1:123456789012:key/6f1c2a4e-8b3d-4c7e-9a15-2d4b8e6f0c31",
                    }),
                })[key],
        );
        expect([...PLATFORM_SECRETS].sort()).to.deep.equal(
            platformSecretConsumers(settings)
                .flatMap((c) => c.secrets)
                .sort(),
        );
    });
});

import { expect } from "chai";
import { createHash } from "crypto";
import { resolveRule } from "../config";
import { readPolicyConfig } from "../../commands/policy/run";
import { checkResource, compliantPodSpec, swarmService, workload, type Fixture } from "../../test/policies/fixtures";
import { WORKLOAD_TYPES } from "../kubernetes/workloads";
import { fromApprovedRegistry, isPinned, parseImage } from "../images";
import { disallowLatestImageTag } from "./disallowLatestImageTag";
import { disallowSecretEnvLiterals, hasUrlPassword, looksLikeSecretName } from "./disallowSecretEnvLiterals";
import { requireApprovedRegistry } from "./requireApprovedRegistry";
import { requireImageDigests } from "./requireImageDigests";

type Obj = Record<string, any>;

/** Every resource type that runs containers, with a way to set its image and add an env var. */
const TARGETS: { type: string; make: (image?: string, env?: [string, string]) => Fixture }[] = [
    ...WORKLOAD_TYPES.map((type) => ({
        type,
        make: (image?: string, env?: [string, string]) => {
            const pod: Obj = compliantPodSpec();
            if (image) pod.containers[0].image = image;
            if (env) pod.containers[0].env.push({ name: env[0], value: env[1] });
            return workload(type, pod);
        },
    })),
    {
        type: "docker:index/service:Service",
        make: (image?: string, env?: [string, string]) => {
            const s = swarmService();
            if (image) s.props.taskSpec.containerSpec.image = image;
            if (env) s.props.taskSpec.containerSpec.env[env[0]] = env[1];
            return s;
        },
    },
];

describe("image references", () => {
    it("normalizes Docker Hub names and keeps registry hosts", () => {
        expect(parseImage("postgres:16")).to.deep.equal({ repository: "docker.io/library/postgres", tag: "16", digest: undefined });
        expect(parseImage("grafana/grafana")).to.include({ repository: "docker.io/grafana/grafana", tag: undefined });
        expect(parseImage("localhost:5000/x:1")).to.include({ repository: "localhost:5000/x", tag: "1" });
        expect(parseImage("registry.sophia-ai.com/sophia-a@sha256:abc")).to.include({ repository: "registry.sophia-ai.com/sophia-a", digest: "sha256:abc" });
    });
    it("knows pinned from floating", () => {
        expect(isPinned("r.io/a:1.2.3")).to.equal(true);
        expect(isPinned("r.io/a@sha256:abc")).to.equal(true);
        expect(isPinned("r.io/a:latest")).to.equal(false);
        expect(isPinned("r.io:5000/a")).to.equal(false);
    });
    it("matches registries by whole path segments", () => {
        expect(fromApprovedRegistry("registry.sophia-ai.com/x:1", ["registry.sophia-ai.com"])).to.equal(true);
        expect(fromApprovedRegistry("registry.sophia-ai.com.evil.io/x:1", ["registry.sophia-ai.com"])).to.equal(false);
        expect(fromApprovedRegistry("postgres:16", ["docker.io/library/postgres"])).to.equal(true);
        expect(fromApprovedRegistry("postgres-evil:16", ["docker.io/library/postgres"])).to.equal(false);
    });
});

describe(disallowLatestImageTag.id, () => {
    for (const t of TARGETS) {
        it(`passes a pinned ${t.type}, fails latest and untagged`, () => {
            expect(checkResource(disallowLatestImageTag, t.make())).to.deep.equal([]);
            expect(checkResource(disallowLatestImageTag, t.make("registry.sophia-ai.com/x@sha256:0123"))).to.deep.equal([]);
            expect(checkResource(disallowLatestImageTag, t.make("registry.sophia-ai.com/x:latest"))[0]).to.match(/not pinned/);
            expect(checkResource(disallowLatestImageTag, t.make("registry.sophia-ai.com/x"))[0]).to.match(/not pinned/);
        });
    }
});

describe(requireApprovedRegistry.id, () => {
    for (const t of TARGETS) {
        it(`passes a ${t.type} from the approved registry, fails another`, () => {
            expect(checkResource(requireApprovedRegistry, t.make())).to.deep.equal([]);
            expect(checkResource(requireApprovedRegistry, t.make("docker.io/someone/x:1"))[0]).to.match(
                /not from an approved registry \(registry.sophia-ai.com\)/,
            );
        });
    }
    it("reads the approved registries from policy config", () => {
        const r = TARGETS[0].make("ghcr.io/sophia-ai/x:1");
        expect(checkResource(requireApprovedRegistry, r, { approvedRegistries: ["ghcr.io/sophia-ai"] })).to.deep.equal([]);
        expect(checkResource(requireApprovedRegistry, r, { approvedRegistries: ["ghcr.io/other"] })).to.have.length(1);
    });
});

describe(disallowSecretEnvLiterals.id, () => {
    it("recognizes secret-looking names, not look-alikes", () => {
        for (const name of ["DB_PASSWORD", "SLACK_BOT_TOKEN", "OPENAI_API_KEY", "client-secret", "AWS_SECRET_ACCESS_KEY", "SENTRY_DSN", "APIKEY"])
            expect(looksLikeSecretName(name), name).to.equal(true);
        for (const name of ["PORT", "MAX_TOKENS", "MCP_PATH", "KEYCLOAK_URL", "OTEL_SERVICE_NAME"]) expect(looksLikeSecretName(name), name).to.equal(false);
    });
    for (const t of TARGETS) {
        it(`passes a ${t.type} with secret references, fails a literal secret`, () => {
            expect(checkResource(disallowSecretEnvLiterals, t.make())).to.deep.equal([]);
            expect(checkResource(disallowSecretEnvLiterals, t.make(undefined, ["MAX_TOKENS", "4096"]))).to.deep.equal([]);
            expect(checkResource(disallowSecretEnvLiterals, t.make(undefined, ["DB_PASSWORD", "hunter2hunter2"]))[0]).to.match(
                /sets DB_PASSWORD to a literal value/,
            );
        });
    }
    it("recognizes a URL with a password in it, not one with only a user or none", () => {
        for (const value of [
            "redis://user:s3cret@redis:6379",
            "redis://:s3cret@redis:6379/0",
            "postgres://sophia:pw@postgres:5432/db",
            "HTTPS://a:b@example.com",
        ])
            expect(hasUrlPassword(value), value).to.equal(true);
        for (const value of [
            "redis://redis:6379",
            "redis://user@redis:6379",
            "http://jaeger:4318",
            "/run/secrets/REDIS_PASSWORD",
            "user:pw@host",
            "not a url",
            // Looks like a URL with a password, but no URL parser takes it: nothing a client would connect with.
            "redis://user:pw@[not-a-host]:6379",
            "",
        ])
            expect(hasUrlPassword(value), value).to.equal(false);
    });
    for (const t of TARGETS) {
        it(`fails a ${t.type} whose variable, whatever its name, holds a URL with a password`, () => {
            expect(checkResource(disallowSecretEnvLiterals, t.make(undefined, ["REDIS_URL", "redis://redis:6379"]))).to.deep.equal([]);
            expect(checkResource(disallowSecretEnvLiterals, t.make(undefined, ["REDIS_URL", "redis://cache-user:hunter2hunter2@redis:6379"]))).to.deep.equal([
                `${t.type === "docker:index/service:Service" ? "the service" : 'container "web"'} sets REDIS_URL to a URL with a password in it; keep the URL without it and pass the password as a secret file`,
            ]);
        });
    }
    it("allows <NAME>_FILE pointing at a mounted secret on Swarm, not a literal in it", () => {
        const s = TARGETS.at(-1)!;
        expect(checkResource(disallowSecretEnvLiterals, s.make(undefined, ["DB_PASSWORD_FILE", "/run/secrets/DB_PASSWORD"]))).to.deep.equal([]);
        expect(checkResource(disallowSecretEnvLiterals, s.make(undefined, ["DB_PASSWORD_FILE", "hunter2hunter2"]))).to.have.length(1);
    });
});

describe(requireImageDigests.id, () => {
    // A syntactically real digest, computed here rather than typed: tests never carry made-up registry data.
    const digest = `sha256:${createHash("sha256").update("an image manifest").digest("hex")}`;
    for (const t of TARGETS) {
        it(`passes a ${t.type} pulled by digest, fails tag-only and malformed digests`, () => {
            expect(checkResource(requireImageDigests, t.make(`registry.sophia-ai.com/x:1.2.3@${digest}`))).to.deep.equal([]);
            expect(checkResource(requireImageDigests, t.make(`registry.sophia-ai.com/x@${digest}`))).to.deep.equal([]);
            expect(checkResource(requireImageDigests, t.make())[0]).to.match(/runs registry.sophia-ai.com\/sophia-web:1.2.3 by tag only/);
            expect(checkResource(requireImageDigests, t.make("registry.sophia-ai.com/x:1@sha256:abc"))).to.have.length(1);
        });
    }
    it("is advisory in every stack's policy config until the stack's images are locked", () => {
        for (const stack of ["dev", "staging", "prod"]) expect(resolveRule(requireImageDigests, readPolicyConfig(stack)).level, stack).to.equal("advisory");
    });
});

// How the workload image and env rules read what a container runs: image references the way a
// runtime resolves them, approved registry prefixes as a stack writes them, digests that only look
// right, and the exact messages for containers without an image or with sparse env lists.
import { expect } from "chai";
import { createHash } from "crypto";
import { fromApprovedRegistry, isPinned, parseImage } from "../../policies/images";
import { disallowLatestImageTag } from "../../policies/workloads/disallowLatestImageTag";
import { disallowSecretEnvLiterals, hasUrlPassword, looksLikeSecretName } from "../../policies/workloads/disallowSecretEnvLiterals";
import { requireApprovedRegistry } from "../../policies/workloads/requireApprovedRegistry";
import { requireImageDigests } from "../../policies/workloads/requireImageDigests";
import { checkResource, compliantPodSpec, swarmService, workload, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const hash = (algorithm: string) => createHash(algorithm).update("an image manifest").digest("hex");

/** A Deployment whose one container runs `image` (none when undefined) with `env` added. */
function deployment(image: string | undefined, env: unknown[] = []): Fixture {
    const pod: Obj = compliantPodSpec();
    if (image === undefined) delete pod.containers[0].image;
    else pod.containers[0].image = image;
    pod.containers[0].env.push(...env);
    return workload(DEPLOYMENT, pod);
}

/** A Swarm service running `image` (none when undefined) with `env` added. */
function service(image: string | undefined, env: Obj = {}): Fixture {
    const s = swarmService();
    if (image === undefined) delete s.props.taskSpec.containerSpec.image;
    else s.props.taskSpec.containerSpec.image = image;
    Object.assign(s.props.taskSpec.containerSpec.env, env);
    return s;
}

describe("image references as a container runtime resolves them", () => {
    it("reads a bare name as an untagged Docker Hub library image", () => {
        expect(parseImage("postgres")).to.deep.equal({ repository: "docker.io/library/postgres", tag: undefined, digest: undefined });
        expect(isPinned("postgres")).to.equal(false);
    });

    it("takes localhost as a registry even without a port", () => {
        expect(parseImage("localhost/sophia-web:1")).to.deep.equal({ repository: "localhost/sophia-web", tag: "1", digest: undefined });
    });

    it("reads a dotted name without a slash as a Docker Hub image, not as a registry", () => {
        // `docker pull registry.sophia-ai.com:1.2.3` pulls docker.io/library/registry.sophia-ai.com.
        expect(parseImage("registry.sophia-ai.com:1.2.3").repository).to.equal("docker.io/library/registry.sophia-ai.com");
        expect(fromApprovedRegistry("registry.sophia-ai.com:1.2.3", ["registry.sophia-ai.com"])).to.equal(false);
    });

    it("counts an empty tag as no pin", () => {
        expect(isPinned("registry.sophia-ai.com/x:")).to.equal(false);
    });

    it("approves an image under any one of several prefixes, and prefixes written with trailing slashes", () => {
        const approved = ["registry.sophia-ai.com", "ghcr.io/sophia-ai"];
        expect(fromApprovedRegistry("ghcr.io/sophia-ai/x:1", approved)).to.equal(true);
        expect(fromApprovedRegistry("registry.sophia-ai.com/x:1", approved)).to.equal(true);
        expect(fromApprovedRegistry("registry.sophia-ai.com/x:1", ["registry.sophia-ai.com/"])).to.equal(true);
        expect(fromApprovedRegistry("registry.sophia-ai.com/x:1", ["registry.sophia-ai.com//"])).to.equal(true);
        expect(fromApprovedRegistry("registry.sophia-ai.com.evil.io/x:1", ["registry.sophia-ai.com/"])).to.equal(false);
    });
});

describe("disallow-latest-image-tag messages", () => {
    it("names the container and its floating image, or says it has none", () => {
        expect(checkResource(disallowLatestImageTag, deployment("registry.sophia-ai.com/x:latest"))).to.deep.equal([
            'container "web" runs registry.sophia-ai.com/x:latest, which is not pinned to a version tag or digest',
        ]);
        expect(checkResource(disallowLatestImageTag, deployment("registry.sophia-ai.com/x:"))).to.deep.equal([
            'container "web" runs registry.sophia-ai.com/x:, which is not pinned to a version tag or digest',
        ]);
        expect(checkResource(disallowLatestImageTag, deployment(undefined))).to.deep.equal([
            'container "web" runs (no image), which is not pinned to a version tag or digest',
        ]);
    });

    it("names a Swarm service as the service, and says nothing while its image is not known", () => {
        expect(checkResource(disallowLatestImageTag, service("registry.sophia-ai.com/x:latest"))).to.deep.equal([
            "the service runs registry.sophia-ai.com/x:latest, which is not pinned to a version tag or digest",
        ]);
        expect(checkResource(disallowLatestImageTag, service(undefined))).to.deep.equal([]);
        expect(checkResource(requireApprovedRegistry, service(undefined))).to.deep.equal([]);
        expect(checkResource(requireImageDigests, service(undefined))).to.deep.equal([]);
    });
});

describe("require-image-digests on digests that only look right", () => {
    it("takes exactly sha256: and 64 hex digits", () => {
        const sha256 = hash("sha256");
        expect(checkResource(requireImageDigests, deployment(`registry.sophia-ai.com/x:1@sha256:${sha256}`))).to.deep.equal([]);
        for (const digest of [`sha256:sha256:${sha256}`, `sha256:${hash("sha512")}`]) {
            expect(checkResource(requireImageDigests, deployment(`registry.sophia-ai.com/x:1@${digest}`)), digest).to.deep.equal([
                `container "web" runs registry.sophia-ai.com/x:1@${digest} by tag only, not by a sha256 digest`,
            ]);
        }
    });

    it("says so when a container has no image", () => {
        expect(checkResource(requireImageDigests, deployment(undefined))).to.deep.equal([
            'container "web" runs (no image) by tag only, not by a sha256 digest',
        ]);
    });
});

describe("require-approved-registry messages", () => {
    it("lists every approved registry, comma-separated", () => {
        const config = { approvedRegistries: ["registry.sophia-ai.com", "ghcr.io/sophia-ai"] };
        expect(checkResource(requireApprovedRegistry, service("docker.io/someone/x:1"), config)).to.deep.equal([
            "the service runs docker.io/someone/x:1, which is not from an approved registry (registry.sophia-ai.com, ghcr.io/sophia-ai)",
        ]);
    });

    it("approves nothing, and says none are configured, when the policy config has no registries", () => {
        const expected = ['container "web" runs registry.sophia-ai.com/sophia-web:1.2.3, which is not from an approved registry (none configured)'];
        expect(checkResource(requireApprovedRegistry, deployment("registry.sophia-ai.com/sophia-web:1.2.3"), { approvedRegistries: [] })).to.deep.equal(
            expected,
        );
        // Called without the rule's defaults (as a test or another tool may), the rule still approves nothing.
        expect(requireApprovedRegistry.check(deployment("registry.sophia-ai.com/sophia-web:1.2.3"), { stack: "test", config: {} })).to.deep.equal(expected);
    });
});

describe("disallow-secret-env-literals on less common names and values", () => {
    it("reads names split by runs of separators, as ASP.NET's double underscore", () => {
        expect(looksLikeSecretName("Stripe__Api__Key")).to.equal(true);
        expect(
            checkResource(disallowSecretEnvLiterals, deployment("registry.sophia-ai.com/sophia-web:1.2.3", [{ name: "Stripe__Api__Key", value: "sk_x" }])),
        ).to.deep.equal(['container "web" sets Stripe__Api__Key to a literal value; reference a secret instead']);
    });

    it("exempts only names ending in _FILE, not a secret named after a file", () => {
        // The password of a keystore file is a secret, even when its base64 text starts with a slash.
        expect(
            checkResource(disallowSecretEnvLiterals, service("registry.sophia-ai.com/sophia-web:1.2.3", { KEYSTORE_FILE_PASSWORD: "/8kq3Vx0pQ" })),
        ).to.deep.equal(["the service sets KEYSTORE_FILE_PASSWORD to a literal value; reference a secret instead"]);
    });

    it("passes a secret-looking variable set to the empty string, which carries no secret", () => {
        expect(
            checkResource(disallowSecretEnvLiterals, deployment("registry.sophia-ai.com/sophia-web:1.2.3", [{ name: "DB_PASSWORD", value: "" }])),
        ).to.deep.equal([]);
        expect(checkResource(disallowSecretEnvLiterals, service("registry.sophia-ai.com/sophia-web:1.2.3", { DB_PASSWORD: "" }))).to.deep.equal([]);
    });

    it("skips an empty entry in a container's env list and judges the others", () => {
        const r = deployment("registry.sophia-ai.com/sophia-web:1.2.3", [null, { name: "DB_PASSWORD", value: "hunter2hunter2" }]);
        expect(checkResource(disallowSecretEnvLiterals, r)).to.deep.equal(['container "web" sets DB_PASSWORD to a literal value; reference a secret instead']);
    });

    it("finds a password in a URL however a URL parser reads it: after leading spaces, or with http: and no slashes", () => {
        expect(hasUrlPassword(" redis://cache-user:hunter2@redis:6379")).to.equal(true);
        expect(hasUrlPassword("http:cache-user:hunter2@proxy:3128")).to.equal(true);
        // Without a scheme there is no URL: "user:pw@host" is not one to any client.
        expect(hasUrlPassword("cache-user:hunter2@redis:6379")).to.equal(false);
    });
});

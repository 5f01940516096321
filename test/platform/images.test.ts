import { expect } from "chai";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadImageLock, withDigest } from "../../catalog/imageLock";
import { imageFrom } from "../../components/platform/images";

describe("image sources", () => {
    const registry = "registry.sophia-ai.com";

    it("keeps images already in the stack's registry", () => {
        expect(imageFrom(registry, "registry.sophia-ai.com/sophia-ai-memory:1.4.2")).to.equal("registry.sophia-ai.com/sophia-ai-memory:1.4.2");
    });

    it("pulls upstream images through the registry's mirror, keeping their host", () => {
        expect(imageFrom(registry, "quay.io/oauth2-proxy/oauth2-proxy:v7.9.0")).to.equal(
            "registry.sophia-ai.com/mirror/quay.io/oauth2-proxy/oauth2-proxy:v7.9.0",
        );
        expect(imageFrom(registry, "docker.io/library/postgres:15.10")).to.equal("registry.sophia-ai.com/mirror/docker.io/library/postgres:15.10");
        expect(imageFrom(registry, "localhost:5000/tool:1")).to.equal("registry.sophia-ai.com/mirror/localhost:5000/tool:1");
    });

    it("expands Docker Hub's short names", () => {
        expect(imageFrom(registry, "redis:7.2.5")).to.equal("registry.sophia-ai.com/mirror/docker.io/library/redis:7.2.5");
        expect(imageFrom(registry, "prom/pushgateway:v1.9.0")).to.equal("registry.sophia-ai.com/mirror/docker.io/prom/pushgateway:v1.9.0");
    });

    it("does not mistake a registry sharing a prefix for the stack's", () => {
        expect(imageFrom(registry, "registry.sophia-ai.com.evil.example/x:1")).to.equal(
            "registry.sophia-ai.com/mirror/registry.sophia-ai.com.evil.example/x:1",
        );
    });
});

describe("image digests", () => {
    const registry = "registry.sophia-ai.com";
    const digest = `sha256:${createHash("sha256").update("a manifest").digest("hex")}`;

    it("pulls a locked image by name:tag@digest, through the mirror for upstream ones", () => {
        expect(imageFrom(registry, "redis:7.2.5", { "redis:7.2.5": digest })).to.equal(`registry.sophia-ai.com/mirror/docker.io/library/redis:7.2.5@${digest}`);
        expect(imageFrom(registry, `${registry}/sophia-backup:1.0.0`, { "sophia-backup:1.0.0": digest })).to.equal(`${registry}/sophia-backup:1.0.0@${digest}`);
    });
    it("leaves unlocked images and images that already name a digest alone", () => {
        expect(imageFrom(registry, "redis:7.2.5", { "redis:7.2.6": digest })).to.equal("registry.sophia-ai.com/mirror/docker.io/library/redis:7.2.5");
        expect(withDigest(`x:1@${digest}`, "sha256:other")).to.equal(`x:1@${digest}`);
    });
    it("reads the lock file and rejects a malformed digest or image, naming the entry", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lock-"));
        const file = path.join(dir, "images.lock.yaml");
        fs.writeFileSync(file, `images:\n  "postgres:16.4": ${digest}\n`);
        expect(loadImageLock(file)).to.deep.equal({ "postgres:16.4": digest });
        fs.writeFileSync(file, `images:\n  "postgres:16.4": sha256:abc\n  "no-tag": ${digest}\n`);
        expect(() => loadImageLock(file)).to.throw(/images.lock.yaml images.postgres:16.4[\s\S]*sha256:<64 lowercase hex[\s\S]*expected an image as name:tag/);
        expect(loadImageLock(path.join(dir, "absent.yaml"))).to.deep.equal({});
        fs.rmSync(dir, { recursive: true });
    });
    it("names the lock file, the line and column or the entry, and the fix of every problem in it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lock-"));
        const file = path.join(dir, "images.lock.yaml");
        const messageOf = (text: string): string => {
            fs.writeFileSync(file, text);
            try {
                loadImageLock(file);
            } catch (error) {
                return (error as Error).message;
            }
            throw new Error(`expected ${JSON.stringify(text)} to be refused`);
        };
        try {
            expect(messageOf("images: {a: [unclosed\n")).to.match(
                /^Invalid image lock images\.lock\.yaml: 2 problem\(s\)\n {2}- images\.lock\.yaml:2:1: Flow sequence/,
            );
            // A string is not a map of images: one problem, not one per character.
            expect(messageOf("images: abc\n")).to.equal(
                'Invalid image lock images.lock.yaml: 1 problem(s)\n  - images.lock.yaml images: got "abc"; expected a record',
            );
            expect(messageOf("- a\n")).to.equal(
                'Invalid image lock images.lock.yaml: 1 problem(s)\n  - images.lock.yaml (root): got ["a"]; expected an object',
            );
            // A registry with a port, and a path of several parts, are part of an image's name.
            fs.writeFileSync(file, `images:\n  "registry.local:5000/team/app:1.0": ${digest}\n`);
            expect(loadImageLock(file)).to.deep.equal({ "registry.local:5000/team/app:1.0": digest });
            // The whole key is the image: nothing before its name, nothing after its tag.
            for (const key of ["bad name/postgres:16.4", "postgres:16.4!", "postgres:16.4 extra"])
                expect(messageOf(`images:\n  "${key}": ${digest}\n`), key).to.contain(`expected an image as name:tag, got "${key}"`);
            expect(messageOf(`images:\n  "no-tag": ${digest}\n`)).to.equal(
                'Invalid image lock images.lock.yaml: 1 problem(s)\n  - images.lock.yaml images.no-tag: expected an image as name:tag, got "no-tag"',
            );
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });
    it("the committed lock holds only well-formed entries", () => {
        expect(() => loadImageLock()).to.not.throw();
    });
});

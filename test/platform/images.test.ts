import { expect } from "chai";
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

// Which registry an upstream image reference names, by Docker's own rule (distribution/reference's
// splitDockerDomain): its first component is a host when it holds a "." or a ":" or is "localhost";
// otherwise the image is Docker Hub's. The mirror keeps each image under the host it comes from.
import { expect } from "chai";
import { imageFrom } from "../../components/platform/images";

describe("the upstream host of an image", () => {
    const registry = "registry.sophia-ai.com";

    it("reads localhost as a registry host, with or without a port, and pulls its images through the mirror under it", () => {
        expect(imageFrom(registry, "localhost/tools/probe:1.2")).to.equal(`${registry}/mirror/localhost/tools/probe:1.2`);
        expect(imageFrom(registry, "localhost:5000/probe:1.2")).to.equal(`${registry}/mirror/localhost:5000/probe:1.2`);
    });

    it("reads a first component without a dot, a colon or localhost as a Docker Hub namespace, and a lone name as an official image", () => {
        expect(imageFrom(registry, "localstack/localstack:4.0")).to.equal(`${registry}/mirror/docker.io/localstack/localstack:4.0`);
        expect(imageFrom(registry, "localhost:1.0")).to.equal(`${registry}/mirror/docker.io/library/localhost:1.0`);
    });
});

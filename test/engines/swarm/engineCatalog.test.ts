// The catalog the Swarm engine test deploys: the repository's catalog with one public server turned
// into a stdio server, and the image each server gets. Fast checks of the choice; the engine test
// (dev.engine.ts) runs it.
import { expect } from "chai";
import { loadCatalog } from "../../../catalog";
import { engineCatalog, stdioCandidate } from "./engineCatalog";
import { sdkAssignment, STDIO_SERVER_COMMAND } from "./images";

describe("the Swarm engine test's catalog", function () {
    const original = loadCatalog().servers;
    const deployed = engineCatalog();

    it("turns one public server into a stdio server with the stdio test server's command, and keeps every other field and entry", function () {
        const stdio = deployed.catalog.servers.filter((s) => s.transport === "stdio");
        expect(stdio.map((s) => s.name)).to.deep.equal([deployed.stdioServer]);
        expect(stdio[0].expose).to.equal("public");
        expect(stdio[0].command).to.deep.equal(STDIO_SERVER_COMMAND);
        expect(deployed.catalog.servers.map((s) => s.name)).to.deep.equal(original.map((s) => s.name));
        for (const server of deployed.catalog.servers) {
            const before = original.find((s) => s.name === server.name)!;
            const expected = server.name === deployed.stdioServer ? { ...before, transport: "stdio", command: [...STDIO_SERVER_COMMAND] } : before;
            expect(server, server.name).to.deep.equal(expected);
        }
    });

    it("leaves as HTTP servers the ones other engine checks need: session affinity, cache, the first critical and low servers", function () {
        const chosen = original.find((s) => s.name === deployed.stdioServer)!;
        expect(chosen.sessionAffinity).to.equal(false);
        expect(chosen.cache).to.equal(false);
        expect(chosen).to.not.equal(original.find((s) => s.tier === "critical"));
        expect(chosen).to.not.equal(original.find((s) => s.tier === "low"));
    });

    it("refuses a catalog without a public server to spare, naming the public servers it has", function () {
        const onlyReserved = original.filter((s) => s.expose !== "public" || s.sessionAffinity || s.cache);
        const names = onlyReserved.filter((s) => s.expose === "public").map((s) => s.name);
        expect(() => stdioCandidate(onlyReserved)).to.throw(`the catalog has ${names.join(", ") || "none"}`);
    });

    it("builds the stdio server's image with the bridge, and the other public servers with both SDKs", function () {
        const sdks = sdkAssignment(deployed.catalog.servers);
        expect(sdks.get(deployed.stdioServer)).to.equal("mcp-stdio");
        const routed = deployed.catalog.servers.filter((s) => s.expose === "public" && s.transport !== "stdio");
        expect(new Set(routed.map((s) => sdks.get(s.name)))).to.deep.equal(new Set(["mcp-typescript", "mcp-python"]));
        // The internal servers keep the repository catalog's assignment.
        const before = sdkAssignment(original);
        for (const server of original.filter((s) => s.expose === "internal")) expect(sdks.get(server.name), server.name).to.equal(before.get(server.name));
    });
});

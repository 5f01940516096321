// What an MCP server's component refuses before it creates anything: a secret its catalog entry
// declares that the stack gives no value for, and a stdio server without the command the bridge
// runs. Each refusal names the server and what is missing, and never a secret's value.
import { expect } from "chai";
import { loadCatalog } from "../catalog";
import { McpServer } from "../components/mcp-server";
import { serverProcess } from "../components/mcp-server/workload";
import { SwarmPlatform } from "../components/platform/swarm/platform";
import { platformStacks } from "../esc/needs";
import { CONFIG_NAMESPACE, loadStackSettings } from "../stacks/settings";
import { resolveServerSpec } from "../stacks/specs";
import { ROOT } from "./support/plan";
import { stackConfigOf } from "./support/program";
import { monitor, settled } from "./support/setup";

/** A stack's settings as the program reads them, and the catalog's servers resolved for it. */
function resolvedServers() {
    const [stack] = platformStacks(ROOT);
    const config = stackConfigOf(stack);
    const settings = loadStackSettings(stack, (key) => config.config[`${CONFIG_NAMESPACE}:${key}`]);
    return loadCatalog().servers.map((entry) => resolveServerSpec(entry, settings));
}

let runs = 0;

describe("an MCP server's refusals", () => {
    it("refuses a declared secret the stack has no value for, naming the server and the secret, and not the values it was given", async () => {
        const spec = resolvedServers().find((s) => s.secrets.length >= 2);
        expect(spec, "a catalog server with two secrets or more").to.not.equal(undefined);
        const [missing, ...given] = [...spec!.secrets].reverse();
        const values = new Map(given.map((key) => [key, `planted-value-of-${key}-${++runs}`]));
        const name = `mcp-refusal-${runs}`;
        const platform = new SwarmPlatform(name, { host: "ssh://deploy@manager", prefix: name, registry: "registry.example.com" });
        let error: unknown;
        try {
            new McpServer(`${name}-server`, { spec: spec!, platform, secretValues: values });
        } catch (e) {
            error = e;
        }
        expect(error, "the server with a secret missing").to.be.instanceOf(Error);
        const message = (error as Error).message;
        expect(message).to.include(spec!.name).and.include(missing);
        for (const value of values.values()) expect(message).to.not.include(value);
        await settled();
        // Nothing of the server was created: no docker secret holds the values it was given.
        const component = monitor.recorded.find((r) => r.type === "sophia:platform:McpServer" && r.name === `${name}-server`);
        expect(
            monitor.recorded.filter((r) => r.parent === component?.urn || (r.type === "docker:index/secret:Secret" && r.name.startsWith(name))),
        ).to.deep.equal([]);
    });

    it("refuses a stdio server without the command its bridge runs, naming the server and where the command comes from", () => {
        const [spec] = resolvedServers();
        const stdio = { ...spec, transport: "stdio" as const, command: undefined };
        expect(() => serverProcess(stdio))
            .to.throw(Error)
            .with.property("message")
            .that.includes(spec.name)
            .and.includes("command");
        // With its command, the bridge runs it behind the server's health and metrics paths.
        const bridged = serverProcess({ ...stdio, command: ["node", "/app/server.js"] });
        expect(bridged.args).to.deep.equal(["--health-path", spec.healthPath, "--metrics-path", spec.metricsPath, "--", "node", "/app/server.js"]);
    });
});

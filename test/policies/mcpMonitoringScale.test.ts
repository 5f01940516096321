// require-mcp-server-monitoring on a large Swarm plan: the platform writes one Prometheus rules file
// per server (components/monitoring/render/rules.ts), so matching each server against every file with
// a pattern of its own grows with servers × files (1.6 s of a 1000-server plan before the rule indexed
// the files' words once). Server names the catalog allows (DNS labels) must be found by that index,
// without compiling a pattern per server; only names with other characters need one.
import { expect } from "chai";
import { requireMcpServerMonitoring } from "../../policies/stack/requireMcpServerMonitoring";
import { checkStack, swarmService, urnOf, type Fixture } from "./fixtures";

const res = (type: string, name: string, props: Record<string, unknown>): Fixture => ({ type, urn: urnOf(type, name), name, props });

/** A rules file for `server`, named in its header and in each rule's labels, as the monitoring renderer writes one. */
const rulesFile = (server: string): Fixture => {
    const text = [
        `# Alerts of MCP server ${server} (tier standard).`,
        "groups:",
        `  - name: mcp.${server}`,
        "    rules:",
        "      - alert: McpServerDown",
        `        expr: up{service="${server}"} == 0`,
        `        labels: { severity: high, mcp_server: ${server} }`,
        "",
    ].join("\n");
    return res("docker:index/serviceConfig:ServiceConfig", `${server}-rules`, { name: `sophia-${server}-rules`, data: Buffer.from(text).toString("base64") });
};

/** A Swarm stack of `names`, each server with its service and its own rules file, except those in `withoutRules`. */
function swarmStack(names: string[], withoutRules: string[] = []): Fixture[] {
    return names.flatMap((name) => [res("sophia:platform:McpServer", name, {}), swarmService(name), ...(withoutRules.includes(name) ? [] : [rulesFile(name)])]);
}

/** Runs `f`, counting the regular expressions compiled from strings (new RegExp / RegExp()) meanwhile. */
function countingPatterns<T>(f: () => T): { result: T; patterns: number } {
    const real = globalThis.RegExp;
    let patterns = 0;
    const count = () => void patterns++;
    globalThis.RegExp = new Proxy(real, {
        construct: (target, args, newTarget) => (count(), Reflect.construct(target, args, newTarget)),
        apply: (target, self, args) => (count(), Reflect.apply(target, self, args)),
    });
    try {
        return { result: f(), patterns };
    } finally {
        globalThis.RegExp = real;
    }
}

describe(`${requireMcpServerMonitoring.id} on a large Swarm plan`, () => {
    const plain = Array.from({ length: 200 }, (_, i) => `server-${i}`);

    it("finds each DNS-label server's rules file without compiling a pattern per server", () => {
        const stack = swarmStack(plain, ["server-150"]);
        const { result, patterns } = countingPatterns(() => requireMcpServerMonitoring.check(stack, { stack: "test", config: {} }));
        expect(result.map((v) => v.message)).to.deep.equal(["MCP server server-150 has no SLO rules naming it in a Prometheus rules config"]);
        expect(patterns).to.equal(0);
    });

    it("compiles one for each name a word index cannot hold, and still finds it as a whole token", () => {
        const dotted = ["docs.search", "web.fetch"];
        const stack = swarmStack(dotted, ["web.fetch"]);
        const { result, patterns } = countingPatterns(() => requireMcpServerMonitoring.check(stack, { stack: "test", config: {} }));
        expect(result.map((v) => v.message)).to.deep.equal(["MCP server web.fetch has no SLO rules naming it in a Prometheus rules config"]);
        expect(patterns).to.equal(2);
    });

    it("agrees with the pack adapter on the large plan", () => {
        expect(checkStack(requireMcpServerMonitoring, swarmStack(plain))).to.deep.equal([]);
    });
});

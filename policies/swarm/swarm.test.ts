import { expect } from "chai";
import { checkResource, swarmService, type Fixture } from "../../test/policies/fixtures";
import type { ResourceRule } from "../rule";
import { disallowDockerSocketMount } from "./disallowDockerSocketMount";
import { disallowHostRootMount } from "./disallowHostRootMount";
import { enforceSwarmUpdateRollback } from "./enforceSwarmUpdateRollback";
import { requireSwarmHealthcheck } from "./requireSwarmHealthcheck";
import { requireSwarmResourceLimits } from "./requireSwarmResourceLimits";

type Obj = Record<string, any>;
const spec = (s: Fixture): Obj => s.props.taskSpec.containerSpec;
const bind = (source: string) => ({ type: "bind", source, target: source });

const CASES: { rule: ResourceRule; breaks: Record<string, (s: Fixture) => void>; message: RegExp }[] = [
    {
        rule: requireSwarmResourceLimits,
        breaks: {
            "no limits": (s) => delete s.props.taskSpec.resources.limits,
            "no memory reservation": (s) => delete s.props.taskSpec.resources.reservation.memoryBytes,
            "no resources": (s) => delete s.props.taskSpec.resources,
        },
        message: /has no (limits|reservation)/,
    },
    {
        rule: requireSwarmHealthcheck,
        breaks: { "no healthcheck": (s) => delete spec(s).healthcheck, "healthcheck NONE": (s) => (spec(s).healthcheck = { tests: ["NONE"] }) },
        message: /no healthcheck/,
    },
    {
        rule: enforceSwarmUpdateRollback,
        breaks: { "failureAction pause": (s) => (s.props.updateConfig.failureAction = "pause"), "no updateConfig": (s) => delete s.props.updateConfig },
        message: /not rollback/,
    },
    {
        rule: disallowDockerSocketMount,
        breaks: {
            "/var/run/docker.sock": (s) => spec(s).mounts.push(bind("/var/run/docker.sock")),
            "/run/docker.sock": (s) => spec(s).mounts.push(bind("/run/docker.sock")),
        },
        message: /mounts the Docker socket/,
    },
    {
        rule: disallowHostRootMount,
        breaks: {
            "/": (s) => spec(s).mounts.push(bind("/")),
            "/etc/": (s) => spec(s).mounts.push(bind("/etc/")),
            "/var/lib/docker": (s) => spec(s).mounts.push(bind("/var/lib/docker")),
        },
        message: /bind-mounts the host's/,
    },
];

describe("Swarm service rules", () => {
    for (const c of CASES) {
        describe(c.rule.id, () => {
            it("passes the compliant service", () => expect(checkResource(c.rule, swarmService())).to.deep.equal([]));
            for (const [what, mutate] of Object.entries(c.breaks)) {
                it(`fails a service with ${what}`, () => {
                    const s = swarmService();
                    mutate(s);
                    const messages = checkResource(c.rule, s);
                    expect(messages).to.have.length(1);
                    expect(messages[0]).to.match(c.message);
                });
            }
        });
    }
    it("allows volumes and bind mounts of ordinary paths", () => {
        const s = swarmService();
        spec(s).mounts.push({ type: "volume", source: "data", target: "/data" }, bind("/srv/sophia/data"));
        expect(checkResource(disallowHostRootMount, s)).to.deep.equal([]);
        expect(checkResource(disallowDockerSocketMount, s)).to.deep.equal([]);
    });
});

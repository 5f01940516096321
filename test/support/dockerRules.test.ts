// The ported rules judge the Swarm services' tests: each must refuse what its source refuses, or
// those tests would pass on values the provider or Docker turns down.
import { expect } from "chai";
import { goDuration, parseConstraints, providerProblems, schedulableOn, taskStartProblems } from "./dockerRules";

describe("the docker provider's and Docker's rules, as ported", () => {
    it("reads durations as Go's time.ParseDuration does, refusing the empty text, a bare number and an unknown unit", () => {
        expect(goDuration("15s")).to.equal(15e9);
        expect(goDuration("1h15m30.5s")).to.equal(3600e9 + 15 * 60e9 + 30.5e9);
        expect(goDuration(".5ms")).to.equal(5e5);
        expect(goDuration("0")).to.equal(0);
        expect(goDuration("-3s")).to.equal(-3e9);
        for (const text of ["", "-", "10", ".s", "1d", "s10", "15s "]) expect(goDuration(text), JSON.stringify(text)).to.equal(undefined);
    });

    it("refuses at preview an empty or unknown value the provider's schema validates, and accepts its own defaults", () => {
        const service = {
            taskSpec: { containerSpec: { healthcheck: { interval: "", timeout: "0s", retries: 3 }, mounts: [{ target: "/tmp", type: "" }] } },
            updateConfig: { failureAction: "", maxFailureRatio: "", order: "start-first" },
            rollbackConfig: { failureAction: "pause", maxFailureRatio: "0.0", order: "stop-first" },
            endpointSpec: { mode: "vip", ports: [{ targetPort: 443, protocol: "", publishMode: "ingress" }] },
        };
        expect(providerProblems(service)).to.deep.equal([
            "service.taskSpec.containerSpec.healthcheck.interval: '' is not a valid duration",
            "service.taskSpec.containerSpec.mounts[0].type: '' doesn't match the pattern '^(bind|volume|tmpfs)$'",
            "service.updateConfig.failureAction: '' doesn't match the pattern '^(pause|continue|rollback)$'",
            "service.updateConfig.maxFailureRatio: '' is not a float",
            "service.endpointSpec.ports[0].protocol: '' doesn't match the pattern '^(tcp|udp|sctp)$'",
        ]);
    });

    it("refuses to start a task whose secret has an owner strconv.Atoi cannot read, or whose mount has no absolute target", () => {
        const service = {
            taskSpec: { containerSpec: { secrets: [{ fileName: "/run/secrets/A", fileUid: "", fileGid: "0" }], mounts: [{ target: "", type: "tmpfs" }] } },
        };
        expect(taskStartProblems(service)).to.have.length(2);
        expect(taskStartProblems({ taskSpec: { containerSpec: { secrets: [{ fileName: "/run/secrets/A" }] } } }), "the provider's default owner").to.deep.equal(
            [],
        );
    });

    it("places tasks as swarmkit does, and refuses a constraint it cannot parse", () => {
        const onManagers = { taskSpec: { placement: { constraints: ["node.role == manager"] } } };
        expect(schedulableOn(onManagers, { role: "manager", hostname: "m" })).to.equal(true);
        expect(schedulableOn(onManagers, { role: "worker", hostname: "w" })).to.equal(false);
        expect(schedulableOn({ taskSpec: { placement: { constraints: ["node.labels.gpu!=true"] } } }, { role: "worker", hostname: "w" })).to.equal(true);
        expect(() => parseConstraints(["placed anywhere"])).to.throw("constraint expected one operator from ==, !=");
        expect(() => parseConstraints(["node.role == man>ager"])).to.throw("value 'man>ager' is invalid");
    });
});

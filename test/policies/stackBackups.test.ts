import { expect } from "chai";
import { BACKUP_OF_LABEL, backupTargets, requireStatefulBackups } from "../../policies/stack/requireStatefulBackups";
import { checkStack, compliantPodSpec, swarmService, urnOf, workload, type Fixture } from "./fixtures";

type Obj = Record<string, any>;
const SCHEDULE_LABEL = "sophia.ai/schedule";
const res = (type: string, name: string, props: Obj): Fixture => ({ type, urn: urnOf(type, name), name, props });
const check = (resources: Fixture[]) => checkStack(requireStatefulBackups, resources);

const statefulSet = (name = "postgres") => workload("kubernetes:apps/v1:StatefulSet", compliantPodSpec(name), name);
const cron = (name: string, labels: Obj = {}) => {
    const c = workload("kubernetes:batch/v1:CronJob", compliantPodSpec(name), name);
    Object.assign(c.props.metadata.labels, labels);
    return c;
};
const swarmJob = (name: string, labels: { label: string; value: string }[]) => {
    const s = swarmService(name);
    s.props.labels.push(...labels);
    return s;
};
/** The rule's one violation for stateful service `s`, named `name`. */
const unbacked = (s: Fixture, name = "postgres") => [{ urn: s.urn, message: `stateful service ${name} has no backup job (label ${BACKUP_OF_LABEL})` }];

describe(`${requireStatefulBackups.id}: what a scheduled job backs up (backupTargets)`, () => {
    it("reads a comma-separated backup-of label, trimming spaces and skipping empty entries", () => {
        expect(backupTargets(cron("nightly", { [BACKUP_OF_LABEL]: " redis, postgres ,," }))).to.deep.equal(["redis", "postgres"]);
    });
    it("takes <name> from a job named <name>-backup, and nothing more when it has no label", () => {
        expect(backupTargets(cron("postgres-backup"))).to.deep.equal(["postgres"]);
    });
    it("reads a scheduled Swarm service's labels", () => {
        expect(
            backupTargets(
                swarmJob("pg-dump", [
                    { label: SCHEDULE_LABEL, value: "0 3 * * *" },
                    { label: BACKUP_OF_LABEL, value: "postgres" },
                ]),
            ),
        ).to.deep.equal(["postgres"]);
    });
    it("finds nothing in what is not a scheduled job", () => {
        expect(backupTargets(statefulSet())).to.deep.equal([]);
        expect(backupTargets(swarmJob("pg-dump", [{ label: BACKUP_OF_LABEL, value: "postgres" }]))).to.deep.equal([]);
    });
});

describe(`${requireStatefulBackups.id}: which jobs count as the service's backup`, () => {
    it("counts a job whose backup-of list names the service after a space", () => {
        expect(check([statefulSet(), cron("nightly", { [BACKUP_OF_LABEL]: "redis, postgres" })])).to.deep.equal([]);
    });
    it("does not count another scheduled job for the service (postgres-vacuum)", () => {
        const s = statefulSet();
        expect(check([s, cron("postgres-vacuum")])).to.deep.equal(unbacked(s));
    });
    it("does not count a Swarm service labelled as a backup that has no schedule", () => {
        const s = statefulSet();
        expect(check([s, swarmJob("pg-dump", [{ label: BACKUP_OF_LABEL, value: "postgres" }])])).to.deep.equal(unbacked(s));
        expect(check([s, swarmService("postgres-backup")])).to.deep.equal(unbacked(s));
    });
    it("does not count a plain Docker container with the same labels: nothing runs it on a schedule", () => {
        const s = statefulSet();
        const container = res("docker:index/container:Container", "pg-dump", {
            name: "pg-dump",
            labels: [
                { label: SCHEDULE_LABEL, value: "0 3 * * *" },
                { label: BACKUP_OF_LABEL, value: "postgres" },
            ],
        });
        expect(check([s, container])).to.deep.equal(unbacked(s));
    });
});

describe(`${requireStatefulBackups.id}: which services are checked`, () => {
    it("exempts Jaeger's trace store, on Kubernetes and on Swarm, and no other service", () => {
        const jaegerSwarm = swarmService("jaeger");
        jaegerSwarm.props.taskSpec.containerSpec.mounts.push({ type: "volume", source: "jaeger-data", target: "/badger" });
        expect(check([statefulSet("jaeger"), jaegerSwarm])).to.deep.equal([]);
        const s = statefulSet("tempo");
        expect(check([s])).to.deep.equal(unbacked(s, "tempo"));
    });
    it("reads a Swarm service's mounts past an empty (null) entry", () => {
        const db = swarmService("postgres");
        db.props.taskSpec.containerSpec.mounts = [null, { type: "volume", source: "pgdata", target: "/var/lib/postgresql/data" }];
        expect(check([db])).to.deep.equal(unbacked(db, "sophia-postgres"));
    });
});

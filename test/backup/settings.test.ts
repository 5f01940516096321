import { expect } from "chai";
import { InvalidInputError } from "../../stacks/problems";
import { platformSecretConsumers } from "../../stacks/secrets";
import { loadStackSettings } from "../../stacks/settings";

const BASE: Record<string, string> = {
    target: "k3s",
    registry: "registry.sophia-ai.com",
    domain: "staging.sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 1, cpu: "8", memory: "32Gi" }),
};

const load = (backup: unknown) => loadStackSettings("staging", (key) => (key === "backup" ? JSON.stringify(backup) : BASE[key]));

function problemsOf(backup: unknown): string[] {
    try {
        load(backup);
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("expected the settings to be refused");
}

describe("backup stack settings", () => {
    it("fills the defaults of an object that names only the regions", () => {
        const settings = load({ region: "us-east-1", replicaRegion: "us-west-2" });
        expect(settings.backup).to.deep.equal({
            region: "us-east-1",
            replicaRegion: "us-west-2",
            retentionDays: 35,
            coldStorageAfterDays: 30,
            hourlyRetentionDays: 3,
            objectLockDays: 14,
            fullBackupHour: 2,
        });
    });

    it("refuses a replica in the primary's region, naming the key and a fix", () => {
        expect(problemsOf({ region: "us-east-1", replicaRegion: "us-east-1" })).to.deep.equal([
            "Pulumi.staging.yaml sophia:backup.replicaRegion: the replica must be in another region than the primary (us-east-1), e.g. us-west-2",
        ]);
    });

    it("lists every inconsistent retention at once", () => {
        const problems = problemsOf({
            region: "eu-west-1",
            replicaRegion: "eu-central-1",
            retentionDays: 7,
            hourlyRetentionDays: 10,
            objectLockDays: 14,
            fullBackupHour: 24,
        });
        expect(problems.map((p) => p.split(": ")[0].split(" ")[1])).to.deep.equal([
            "sophia:backup.fullBackupHour",
            "sophia:backup.hourlyRetentionDays",
            "sophia:backup.coldStorageAfterDays",
            "sophia:backup.objectLockDays",
        ]);
        expect(problems[3]).to.equal(
            "Pulumi.staging.yaml sophia:backup.objectLockDays: the replica would keep backups locked (14 days) longer than they are retained (7 days)",
        );
    });

    it("refuses a malformed region and an unknown key", () => {
        const problems = problemsOf({ region: "useast1", replicaRegion: "us-west-2", retention: 3 });
        expect(problems.join("\n")).to.include('Pulumi.staging.yaml sophia:backup.region: got "useast1"; expected an AWS region such as us-east-1');
        expect(problems.join("\n")).to.include("Pulumi.staging.yaml sophia:backup.retention: got 3; unknown field: did you mean retentionDays?");
    });

    it("makes the backup jobs' access key a secret the stack must provide, only when backups are on", () => {
        const backupConsumers = (settings: ReturnType<typeof loadStackSettings>) => platformSecretConsumers(settings).filter((c) => c.name === "backup-jobs");
        expect(backupConsumers(load({ region: "us-east-1", replicaRegion: "us-west-2" }))).to.deep.equal([
            { name: "backup-jobs", secrets: ["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"] },
        ]);
        expect(backupConsumers(loadStackSettings("staging", (key) => BASE[key]))).to.deep.equal([]);
    });
});

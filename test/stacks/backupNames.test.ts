// The backup resources' names: the failover runbook, the ESC key rotator and the IAM policies name
// them without lookups, so each is fixed by the environment and the regions alone.
import { expect } from "chai";
import { backupNames, bucketArn, objectsArn } from "../../stacks/backupNames";

describe("backup names", () => {
    it("are the ones the runbook, the rotator and the policies spell out", () => {
        expect(backupNames("prod", { region: "us-east-1", replicaRegion: "us-west-2" })).to.deep.equal({
            primaryBucket: "sophia-prod-backups-us-east-1",
            replicaBucket: "sophia-prod-backups-replica-us-west-2",
            primaryLogBucket: "sophia-prod-access-logs-us-east-1",
            replicaLogBucket: "sophia-prod-access-logs-us-west-2",
            writerUser: "sophia-prod-backup-writer",
            restorerGroup: "sophia-prod-backup-restorers",
            writerGroup: "sophia-prod-backup-writers",
            restoreReaderUser: "sophia-prod-restore-reader",
            restoreReaderGroup: "sophia-prod-restore-readers",
            keyAdminRole: "sophia-prod-backup-key-admin",
            replicationRole: "sophia-prod-backup-replication",
            keyAlias: "alias/sophia-prod-backups",
        });
    });

    it("differ between environments and fit S3's and IAM's length limits", () => {
        const longest = backupNames("prod-dr", { region: "ap-southeast-2", replicaRegion: "us-gov-west-1" });
        const other = backupNames("staging", { region: "ap-southeast-2", replicaRegion: "us-gov-west-1" });
        for (const [key, name] of Object.entries(longest)) {
            expect(name, key).to.not.equal(other[key as keyof typeof other]);
            expect(name.length, key).to.be.at.most(63);
        }
    });

    it("give S3 ARNs without account or region, for a bucket and for its objects under a prefix", () => {
        expect(bucketArn("sophia-prod-backups-us-east-1")).to.equal("arn:aws:s3:::sophia-prod-backups-us-east-1");
        expect(objectsArn("sophia-prod-backups-us-east-1")).to.equal("arn:aws:s3:::sophia-prod-backups-us-east-1/*");
        expect(objectsArn("sophia-prod-backups-us-east-1", "postgres/")).to.equal("arn:aws:s3:::sophia-prod-backups-us-east-1/postgres/*");
    });
});

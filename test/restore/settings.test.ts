import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { InvalidInputError } from "../../stacks/problems";
import { platformSecretConsumers } from "../../stacks/secrets";
import { loadStackSettings } from "../../stacks/settings";
import { ROOT } from "../support/plan";

const BACKUP = { region: "us-west-2", replicaRegion: "us-east-1" };
const RESTORE = {
    bucket: "sophia-prod-backups-replica-us-west-2",
    region: "us-west-2",
    keyArn: "arn:aws:kms:us-west-2:123456789012:key/6f1c2a4e-8b3d-4c7e-9a15-2d4b8e6f0c31",
};
const BASE: Record<string, string> = {
    target: "kubernetes",
    kubeconfig: "apiVersion: v1",
    registry: "registry.sophia-ai.com",
    nodeCapacity: JSON.stringify({ nodes: 3, cpu: "8", memory: "32Gi" }),
};

const load = (values: Record<string, unknown>) => loadStackSettings("prod-dr", (key) => (key in values ? JSON.stringify(values[key]) : BASE[key]));

function problemsOf(values: Record<string, unknown>): string[] {
    try {
        load(values);
    } catch (error) {
        expect(error).to.be.instanceOf(InvalidInputError);
        return (error as InvalidInputError).problems.map((p) => `${p.where}: ${p.message}`);
    }
    throw new Error("expected the settings to be refused");
}

describe("restore stack settings (sophia:restore)", () => {
    it("reads the source bucket, its region and key, and adds the restore reader's secrets", () => {
        const settings = load({ backup: BACKUP, restore: RESTORE });
        expect(settings.restore).to.deep.equal(RESTORE);
        expect(platformSecretConsumers(settings).find((c) => c.name === "restore")?.secrets).to.deep.equal([
            "RESTORE_AWS_ACCESS_KEY_ID",
            "RESTORE_AWS_SECRET_ACCESS_KEY",
        ]);
        expect(platformSecretConsumers(load({ backup: BACKUP })).map((c) => c.name)).to.not.include("restore");
    });

    it("refuses a source in another region than the stack's, naming the key, the value and the fix", () => {
        expect(
            problemsOf({ backup: BACKUP, restore: { ...RESTORE, region: "us-east-1", keyArn: RESTORE.keyArn.replace("us-west-2", "us-east-1") } }),
        ).to.deep.equal([
            "Pulumi.prod-dr.yaml sophia:restore.region: got us-east-1; the source must be in this stack's region (backup.region us-west-2): restore from the replica that was copied there",
        ]);
    });

    it("refuses a key of another region than the bucket's", () => {
        expect(problemsOf({ backup: BACKUP, restore: { ...RESTORE, keyArn: RESTORE.keyArn.replace("us-west-2", "eu-west-1") } })).to.deep.equal([
            `Pulumi.prod-dr.yaml sophia:restore.keyArn: got "${RESTORE.keyArn.replace("us-west-2", "eu-west-1")}"; the key is in eu-west-1 but the bucket in us-west-2: use the key of the bucket's region (its alias is alias/sophia-<environment>-backups)`,
        ]);
    });

    it("refuses restoring from the stack's own buckets", () => {
        for (const bucket of ["sophia-prod-dr-backups-us-west-2", "sophia-prod-dr-backups-replica-us-east-1"]) {
            expect(problemsOf({ backup: BACKUP, restore: { ...RESTORE, bucket } })).to.deep.equal([
                `Pulumi.prod-dr.yaml sophia:restore.bucket: ${bucket} is this stack's own backup bucket: restore from the other stack's replica, e.g. sophia-prod-backups-replica-us-west-2`,
            ]);
        }
    });

    it("refuses a restore without the stack's own backups", () => {
        expect(problemsOf({ restore: RESTORE })).to.deep.equal([
            "Pulumi.prod-dr.yaml sophia:backup: not set; a stack that restores (sophia:restore) backs itself up too: set sophia:backup with this stack's region and a replica region",
        ]);
    });

    it("lists a malformed region and key and a misspelt field at once", () => {
        expect(problemsOf({ backup: BACKUP, restore: { region: "us-west", keyArn: "alias/sophia-prod-backups", bukcet: RESTORE.bucket } })).to.deep.equal([
            'Pulumi.prod-dr.yaml sophia:restore.region: got "us-west"; expected an AWS region such as us-east-1',
            'Pulumi.prod-dr.yaml sophia:restore.keyArn: got "alias/sophia-prod-backups"; expected a KMS key ARN such as arn:aws:kms:us-west-2:123456789012:key/<key id>',
            `Pulumi.prod-dr.yaml sophia:restore.bukcet: got "${RESTORE.bucket}"; unknown field: did you mean bucket?`,
        ]);
    });

    it("refuses a missing source bucket and one that is not a bucket name", () => {
        const missing = problemsOf({ backup: BACKUP, restore: { region: RESTORE.region, keyArn: RESTORE.keyArn } });
        expect(missing).to.have.length(1);
        expect(missing[0]).to.match(/^Pulumi\.prod-dr\.yaml sophia:restore\.bucket: /);
        expect(problemsOf({ backup: BACKUP, restore: { ...RESTORE, bucket: "s3://Backups" } })).to.deep.equal([
            'Pulumi.prod-dr.yaml sophia:restore.bucket: got "s3://Backups"; expected an S3 bucket name such as sophia-prod-backups-replica-us-west-2',
        ]);
    });

    it("the prod-dr stack file restores from prod's replica, in prod's replica region, and backs up in that region", () => {
        const read = (stack: string) => YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
        const prod = read("prod");
        const dr = read("prod-dr");
        expect(dr["sophia:backup"].region).to.equal(prod["sophia:backup"].replicaRegion);
        expect(dr["sophia:backup"].replicaRegion).to.equal(prod["sophia:backup"].region);
        expect(dr["sophia:restore"].region).to.equal(prod["sophia:backup"].replicaRegion);
        expect(dr["sophia:restore"].bucket).to.equal(`sophia-prod-backups-replica-${prod["sophia:backup"].replicaRegion}`);
    });
});

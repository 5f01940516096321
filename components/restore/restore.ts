import { Provider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { backupImage } from "../backup-jobs/jobs";
import { createAccessUser } from "../backup-store/accessUser";
import { backupNames } from "../../stacks/backupNames";
import { restorerPolicy } from "../backup-store/policies";
import type { PostgresConnection } from "../postgres";
import type { Platform } from "../platform/types";
import type { BackupSettings, RestoreSettings } from "../../stacks/settings";
import { restoreJob } from "./job";

export interface RestoreArgs {
    readonly platform: Platform;
    readonly environment: string;
    /** The stack's own backups: they name its restore reader (backupNames). */
    readonly backup: Pick<BackupSettings, "region" | "replicaRegion">;
    readonly restore: RestoreSettings;
    /** Registry the backup image is pulled from: <registry>/sophia-backup:<version>. */
    readonly registry: string;
    /** The restore reader's access key (ESC-rotated), as secrets. */
    readonly accessKeyId: pulumi.Input<string>;
    readonly secretAccessKey: pulumi.Input<string>;
    readonly postgres: PostgresConnection;
    /** What must be ready before the job loads the backup: PostgreSQL itself. */
    readonly after: readonly pulumi.Resource[];
}

/**
 * A failover's first step (docs/05-operations/failover.md): PostgreSQL restored from another stack's
 * replicated backups, by a job that runs once. Its IAM user may only list and read that bucket's
 * backups and decrypt with its key. Whatever lists `done` in its `after` starts once the restore
 * has succeeded (where the target can wait for a job).
 */
export class Restore extends pulumi.ComponentResource {
    /** The job's resources, for ordering. */
    readonly done: readonly pulumi.Resource[];

    constructor(name: string, args: RestoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:Restore", name, {}, opts);
        const { platform, restore } = args;
        const names = backupNames(args.environment, args.backup);
        const tags = { "sophia.ai/environment": args.environment, "app.kubernetes.io/part-of": "sophia" };
        const provider = new Provider(`${name}-aws`, { region: restore.region, defaultTags: { tags } }, { parent: this });
        createAccessUser(
            name,
            "reader",
            {
                user: names.restoreReaderUser,
                group: names.restoreReaderGroup,
                description: `Failover restore: list and read ${restore.bucket}'s backups, nothing else`,
                policy: restorerPolicy([{ bucket: restore.bucket, keyArn: restore.keyArn }]),
                tags,
            },
            { parent: this, provider },
        );
        const credentials = platform.secret(
            `${name}-aws`,
            "backup",
            { RESTORE_AWS_ACCESS_KEY_ID: args.accessKeyId, RESTORE_AWS_SECRET_ACCESS_KEY: args.secretAccessKey },
            this,
        );
        const password = platform.secret(`${name}-postgres`, "backup", { PGPASSWORD: args.postgres.password }, this);
        const spec = restoreJob({
            image: backupImage(args.registry),
            bucket: restore.bucket,
            region: restore.region,
            credentials,
            postgres: { ...args.postgres, password },
        });
        const job = platform.job({ ...spec, after: args.after }, this);
        this.done = job.resources;
        this.registerOutputs({ bucket: restore.bucket, region: restore.region, reader: names.restoreReaderUser });
    }
}

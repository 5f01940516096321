// npm run drill -- --stack <name> [--json <file>]
// Restores the newest backup from the stack's replica bucket into a scratch PostgreSQL server, with
// the backup image's own restore program, and judges it against the RPO, the RTO and the row counts.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { backupNames } from "../../stacks/backupNames";
import { dateOfStamp } from "../../images/backup/src/layout";
import { countRows } from "../../images/backup/src/postgres";
import { listBackups, restore } from "../../images/backup/src/restore";
import { CommandSpec, CommandValues, runCommand, UsageError, type Command } from "../command";
import { platformStacks } from "../../esc/needs";
import { offlineStackSettings } from "../plan/offlineSettings";
import { PROJECT_DIR } from "../plan/plan";
import { chooseStack } from "../plan/stackChoice";
import type { StackSettings } from "../../stacks/settings";
import { DatabaseCheck, DrillFacts, evaluateDrill, formatDrill } from "./drill";
import { scratchServer, ScratchServer } from "./scratchDatabase";

export const DATABASE_URL_VARIABLE = "SOPHIA_DRILL_DATABASE_URL";

export const DRILL_COMMAND: CommandSpec = {
    name: "npm run drill",
    usage: "-- --stack <name> [--json <file>] | --list-stacks",
    description: [
        "The disaster-recovery drill: restores the newest PostgreSQL backup from the stack's replica bucket",
        "into scratch databases, compares every table's rows with the counts recorded at backup time, checks",
        "the backup's age against the RPO and the restore's time against the RTO, then drops the scratch databases.",
    ].join("\n"),
    options: {
        stack: {
            type: "string",
            short: "s",
            value: "<name>",
            description: "the stack whose replica bucket to drill (a Pulumi.<name>.yaml); default $PULUMI_STACK",
        },
        json: { type: "string", value: "<file>", description: "also write the report as JSON to <file>" },
        "list-stacks": { type: "boolean", description: "print the stacks that have backups (a JSON list) and exit" },
    },
    examples: [
        "SOPHIA_DRILL_DATABASE_URL=postgres://drill:…@127.0.0.1:5432/postgres npm run drill -- --stack staging",
        "npm run drill -- --stack prod --json out/drill/prod.json",
    ],
    exitCodes: [
        [0, "the drill passed"],
        [1, "the drill failed: no backup, a backup older than the RPO, a damaged file, a restore error, a row count mismatch or a restore slower than the RTO"],
        [2, "usage or configuration error: unknown stack, a stack without backups, a missing or unusable scratch database, an unreachable bucket"],
        [3, "unexpected failure of the drill itself"],
    ],
    environment: [
        [DATABASE_URL_VARIABLE, "postgres://<user>:<password>@<host>:<port>/<db> of a scratch server the user may create databases on (secret)"],
        ["AWS_*", "the standard AWS settings: credentials (or the default chain), AWS_ENDPOINT_URL_S3 for an S3-compatible store"],
        ["PULUMI_STACK", "the stack when --stack is not given"],
    ],
};

/** The stack's validated settings; invalid ones stop the command with exit 2 (runCommand), said as the plan says them. */
const settingsOf = (stack: string): StackSettings => offlineStackSettings(PROJECT_DIR, stack);

const stacksWithBackups = (): string[] => platformStacks(PROJECT_DIR).filter((stack) => settingsOf(stack).backup !== undefined);

/** Why the bucket could not be read, said with what to check; the bucket being unreachable is not the backups' fault. */
async function newestBackup(bucket: string, region: string, env: NodeJS.ProcessEnv) {
    try {
        return (await listBackups("postgres", env))[0];
    } catch (error) {
        const e = error as Error & { code?: string; Code?: string };
        const what = [e.code ?? e.Code ?? e.name, e.message].filter(Boolean).join(": ");
        const endpoint = env.AWS_ENDPOINT_URL_S3 ? ` at ${env.AWS_ENDPOINT_URL_S3} (AWS_ENDPOINT_URL_S3)` : "";
        throw new UsageError(
            `cannot list bucket ${bucket} in ${region}${endpoint}: ${what}. Check the network, the AWS credentials (a member of the restorers group) and AWS_ENDPOINT_URL_S3`,
        );
    }
}

/** Restores into scratch databases named for this run, counts their rows, and always drops them. */
async function restoreAndCount(
    server: ScratchServer,
    stamp: string,
    env: NodeJS.ProcessEnv,
): Promise<Pick<DrillFacts, "restoreSeconds" | "databases" | "restoreError">> {
    const prefix = `sophia_drill_${randomBytes(4).toString("hex")}_`;
    const scratch = new Map<string, string>();
    const rename = (database: string): string => {
        const name = `${prefix}${scratch.size}`;
        scratch.set(database, name);
        return name;
    };
    try {
        const report = await restore({ target: "postgres", backup: stamp, rename }, env);
        const databases: DatabaseCheck[] = [];
        for (const file of report.manifest.files) {
            const name = scratch.get(file.database!)!;
            databases.push({ database: file.database!, scratch: name, expected: file.rowCounts, restored: await countRows(name, env) });
        }
        return { restoreSeconds: report.restoreSeconds, databases };
    } catch (error) {
        return { databases: [], restoreError: (error as Error).message };
    } finally {
        await server.dropDatabases(prefix);
    }
}

async function drill(values: CommandValues): Promise<number> {
    if (values["list-stacks"]) {
        process.stdout.write(`${JSON.stringify(stacksWithBackups())}\n`);
        return 0;
    }
    const { stack, source } = chooseStack(values.stack as string | undefined, process.env.PULUMI_STACK, PROJECT_DIR);
    const settings = settingsOf(stack);
    if (!settings.backup)
        throw new UsageError(
            `stack ${stack} (from ${source}) has no backups: Pulumi.${stack}.yaml sets no sophia:backup, so there is no replica bucket to drill; the stacks with backups are ${stacksWithBackups().join(", ") || "(none)"}`,
        );
    const bucket = backupNames(settings.environment, settings.backup).replicaBucket;
    const region = settings.backup.replicaRegion;
    const server = await scratchServer(process.env[DATABASE_URL_VARIABLE], DATABASE_URL_VARIABLE);
    const env: NodeJS.ProcessEnv = { ...process.env, ...server.libpq, BACKUP_BUCKET: bucket, AWS_REGION: region };
    process.stdout.write(`Drilling stack ${stack} (from ${source}): the newest backup in ${bucket} into ${server.description}\n`);

    const newest = await newestBackup(bucket, region, env);
    const started = Date.now();
    const facts: DrillFacts = newest
        ? {
              stack,
              bucket,
              region,
              backup: { stamp: newest.stamp, kind: newest.kind, takenAt: dateOfStamp(newest.stamp).toISOString() },
              ageSeconds: (started - dateOfStamp(newest.stamp).getTime()) / 1000,
              ...(await restoreAndCount(server, newest.stamp, env)),
          }
        : { stack, bucket, region, databases: [] };
    const result = evaluateDrill(facts);
    process.stdout.write(formatDrill(result));
    if (values.json) {
        const file = path.resolve(String(values.json));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
        process.stdout.write(`Wrote ${values.json}\n`);
    }
    return result.verdict === "pass" ? 0 : 1;
}

/** What `sophia drill` runs (commands/sophia.js). */
export const command: Command = { spec: DRILL_COMMAND, main: drill };

if (require.main === module) runCommand(DRILL_COMMAND, drill);

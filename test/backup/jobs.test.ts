import type { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { backupJob, BACKUP_OF_LABEL, backupSchedule } from "../../components/backup-jobs";
import { jobServiceArgs } from "../../components/platform/swarm/service";
import type { ConfigHandle, SecretHandle } from "../../components/platform/types";
import { completeBackups, dateOfStamp, stampOf } from "../../images/backup/src/layout";
import { BackupBucket } from "../../images/backup/src/store";
import { ROOT } from "../support/plan";
import { recordRequests, STOPPED } from "../support/s3Requests";

const handle = (name: string, keys: string[]): SecretHandle => ({ name, group: "backup", keys, resource: undefined as never });
const settings = {
    image: "registry.example/sophia-backup:1.0.0",
    bucket: "sophia-prod-backups-us-east-1",
    region: "us-east-1",
    fullBackupHour: 4,
    pushgatewayUrl: "http://pushgateway:9091",
    credentials: handle("aws", ["BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"]),
};
const postgres = {
    target: "postgres" as const,
    workload: "postgres",
    env: { PGHOST: "postgres" },
    secretEnv: [{ env: "PGPASSWORD", secret: handle("pg", ["PGPASSWORD"]), key: "PGPASSWORD" }],
};

describe("backup jobs", () => {
    it("run the full at the configured hour and the hourly on the half hour", () => {
        expect(backupSchedule("full", 4)).to.equal("0 4 * * *");
        expect(backupSchedule("hourly", 4)).to.equal("30 * * * *");
    });

    it("take credentials from platform secrets only, and say which workload they back up", () => {
        const job = backupJob(postgres, "full", settings);
        expect(Object.keys(job.env!)).to.not.include.members(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD"]);
        expect(job.secretEnv!.map((s) => s.env)).to.deep.equal(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD"]);
        expect(job.labels![BACKUP_OF_LABEL]).to.equal("postgres");
        expect(job.env).to.include({ BACKUP_TARGET: "postgres", BACKUP_KIND: "full", BACKUP_BUCKET: settings.bucket, AWS_REGION: "us-east-1" });
    });

    it("declare as outbound the S3 hosts the backup program's SDK calls for their bucket: its own host name, or the region's for a name with dots", async () => {
        for (const bucket of [settings.bucket, "sophia.prod.backups"]) {
            const job = backupJob(postgres, "full", { ...settings, bucket });
            const program = new BackupBucket({ ...job.env, AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "example-only" });
            const requests = recordRequests((program as unknown as { client: S3Client }).client);
            await program.putText("services/full/postgres/manifest.json", "{}").then(
                () => expect.fail("a request left this machine"),
                (error: Error) => expect(error.message).to.equal(STOPPED),
            );
            program.close();
            expect(requests, bucket).to.have.length.above(0);
            for (const request of requests) expect(job.outbound, `${bucket}: the hosts the job may reach`).to.include(request.host);
        }
    });

    it("reach AWS S3 at the bucket's own host name, and an S3-compatible store on its endpoint's host, the bucket in the path", async () => {
        const hostsOf = async (env: NodeJS.ProcessEnv) => {
            const program = new BackupBucket({
                BACKUP_BUCKET: settings.bucket,
                AWS_REGION: "us-east-1",
                AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
                AWS_SECRET_ACCESS_KEY: "example-only",
                ...env,
            });
            const requests = recordRequests((program as unknown as { client: S3Client }).client);
            await program.listKeys("services/").catch((error: Error) => expect(error.message).to.equal(STOPPED));
            program.close();
            return [...new Set(requests.map((r) => r.host))];
        };
        expect(await hostsOf({})).to.deep.equal([`${settings.bucket}.s3.us-east-1.amazonaws.com`]);
        // A store on a host name of its own serves no subdomain per bucket.
        expect(await hostsOf({ AWS_ENDPOINT_URL_S3: "http://minio.backup.internal:9000" })).to.deep.equal(["minio.backup.internal"]);
    });

    it("run with node the program the backup image builds from images/backup/src (its WORKDIR /app holds the compiled src/), the one that reads BACKUP_KIND", () => {
        const [runtime, program, ...rest] = backupJob(postgres, "hourly", settings).command;
        expect(runtime).to.equal("node");
        expect(rest, "arguments: the job says what to do through its environment").to.deep.equal([]);
        const source = path.join(ROOT, "images", "backup", "src", path.posix.relative("/app", program).replace(/\.js$/, ".ts"));
        expect(fs.existsSync(source), `${program} is built from ${source}`).to.equal(true);
        expect(fs.readFileSync(source, "utf8"), source).to.include('"BACKUP_KIND"');
    });

    it("label themselves as backups, of which kind", () => {
        for (const kind of ["full", "hourly"] as const)
            expect(backupJob(postgres, kind, settings).labels).to.include({ "app.kubernetes.io/component": "backup", "sophia.ai/backup-kind": kind });
    });

    it("keep their labels on Swarm, next to the schedule, and read secrets from files there", () => {
        const crontab: ConfigHandle = { name: "crontab", group: "backup", files: ["crontab"], resource: undefined as never };
        const dockerSecret = { id: "id", name: "name" };
        const objects = {
            secrets: new Map([
                [
                    "aws",
                    new Map([
                        ["BACKUP_AWS_ACCESS_KEY_ID", dockerSecret],
                        ["BACKUP_AWS_SECRET_ACCESS_KEY", dockerSecret],
                    ]),
                ],
                ["pg", new Map([["PGPASSWORD", dockerSecret]])],
            ]),
            configs: new Map([["crontab", new Map([["crontab", dockerSecret]])]]),
        };
        const args = jobServiceArgs(backupJob(postgres, "hourly", settings), crontab, {
            networks: [],
            volumes: new Map(),
            objects: objects as never,
            prefix: "sophia",
        });
        expect(args.labels).to.deep.include({ label: BACKUP_OF_LABEL, value: "postgres" });
        expect(args.labels).to.deep.include({ label: "sophia.ai/schedule", value: "30 * * * *" });
        const env = (args.taskSpec as { containerSpec: { env: Record<string, string> } }).containerSpec.env;
        expect(env).to.include({ PGPASSWORD_FILE: "/run/secrets/PGPASSWORD", AWS_ACCESS_KEY_ID_FILE: "/run/secrets/AWS_ACCESS_KEY_ID" });
    });
});

describe("backup layout", () => {
    const t = (iso: string) => stampOf(new Date(iso));

    it("reads back only a whole time stamp as a date", () => {
        const stamp = t("2025-01-01T02:30:00.250Z");
        expect(dateOfStamp(stamp).toISOString()).to.equal("2025-01-01T02:30:00.250Z");
        for (const bad of [`x${stamp}`, `${stamp}.old`, "latest"]) expect(() => dateOfStamp(bad), bad).to.throw(`not a backup time stamp: ${bad}`);
    });

    it("counts only the manifest of a stamped folder of this prefix and target as a complete backup", () => {
        const stamp = t("2025-01-01T02:00:00Z");
        const keys = [
            // Another job's prefix of the same length, another target, a file named nearly like the manifest.
            `platform/full/postgres/${stamp}/manifest.json`,
            `services/full/redis/${stamp}/manifest.json`,
            `services/full/postgres/${stamp}/manifest.jsox`,
            `services/full/postgres/${stamp}/database.dump`,
            // Folders that are not a backup's time stamp.
            "services/full/postgres/latest/manifest.json",
            `services/full/postgres/${stamp}-old/manifest.json`,
            `services/full/postgres/x${stamp}/manifest.json`,
        ];
        expect(completeBackups(keys, "services", "postgres")).to.deep.equal([]);
        expect(completeBackups([...keys, `services/full/postgres/${stamp}/manifest.json`], "services", "postgres")).to.deep.equal([
            { kind: "full", target: "postgres", stamp, manifestKey: `services/full/postgres/${stamp}/manifest.json` },
        ]);
    });

    it("puts the hourly backup first on every tie, over a day of backups", () => {
        const keys: string[] = [];
        for (let hour = 0; hour < 24; hour++) {
            const stamp = t(`2025-01-01T${String(hour).padStart(2, "0")}:00:00Z`);
            keys.push(`services/hourly/postgres/${stamp}/manifest.json`);
            if (hour % 6 === 2) keys.push(`services/full/postgres/${stamp}/manifest.json`);
        }
        const order = completeBackups(keys, "services", "postgres").map((b) => `${b.stamp.slice(9, 11)} ${b.kind}`);
        expect(order).to.have.length(28);
        for (const hour of ["20", "14", "08", "02"]) expect(order.indexOf(`${hour} full`), hour).to.equal(order.indexOf(`${hour} hourly`) + 1);
        expect(order.slice(0, 3)).to.deep.equal(["23 hourly", "22 hourly", "21 hourly"]);
    });

    it("restores the newest complete backup, the hourly one on a tie, and skips folders without a manifest", () => {
        const t = (iso: string) => stampOf(new Date(iso));
        const keys = [
            `services/full/postgres/${t("2025-01-01T02:00:00Z")}/manifest.json`,
            `services/hourly/postgres/${t("2025-01-01T02:30:00Z")}/manifest.json`,
            `services/full/postgres/${t("2025-01-01T02:30:00Z")}/manifest.json`,
            `services/hourly/postgres/${t("2025-01-01T03:30:00Z")}/sophia.dump`,
            `services/hourly/redis/${t("2025-01-01T04:30:00Z")}/manifest.json`,
        ];
        expect(completeBackups(keys, "services", "postgres").map((b) => `${b.kind} ${b.stamp}`)).to.deep.equal([
            "hourly 20250101T023000.000Z",
            "full 20250101T023000.000Z",
            "full 20250101T020000.000Z",
        ]);
    });
});

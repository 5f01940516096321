import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Platform } from "../platform/types";
import { DEFAULT_POSTGRES, POSTGRES_PORT, PostgresSettings, postgresExporterWorkload, postgresWorkload } from "./workload";

export interface PostgresArgs {
    readonly platform: Platform;
    readonly settings?: Partial<PostgresSettings>;
}

/** How jobs reach the platform's PostgreSQL: the backup jobs and a failover's restore. */
export interface PostgresConnection {
    /** The workload's name, which jobs label themselves with (`sophia.ai/backup-of`). */
    readonly workload: string;
    readonly address: string;
    readonly port: number;
    readonly user: string;
    readonly password: pulumi.Input<string>;
}

/** The platform's PostgreSQL with its exporter; the password is generated and kept in a platform secret. */
export class Postgres extends pulumi.ComponentResource {
    /** The workload's name, which backup jobs label themselves with (`sophia.ai/backup-of`). */
    readonly workloadName: string;
    readonly address: string;
    readonly port = POSTGRES_PORT;
    readonly user: string;
    readonly password: pulumi.Output<string>;
    readonly connection: PostgresConnection;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sophia:platform:Postgres", name, {}, opts);
        const s: PostgresSettings = { ...DEFAULT_POSTGRES, ...args.settings };
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        const credentials = args.platform.secret(`${name}-credentials`, "data", { POSTGRES_PASSWORD: password.result }, this);
        const server = args.platform.workload(postgresWorkload(s, credentials), this);
        args.platform.workload(postgresExporterWorkload(s, server.address, credentials), this);
        this.workloadName = s.name;
        this.address = server.address;
        this.user = s.user;
        this.password = pulumi.secret(password.result);
        this.connection = { workload: this.workloadName, address: this.address, port: this.port, user: this.user, password: this.password };
        this.registerOutputs({ address: this.address, user: this.user });
    }
}

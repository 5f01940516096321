export { Postgres, type PostgresArgs } from "./postgres";
export { DEFAULT_POSTGRES, POSTGRES_PORT, postgresExporterWorkload, postgresWorkload, type PostgresSettings } from "./workload";

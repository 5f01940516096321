export { Postgres, type PostgresArgs, type PostgresConnection } from "./postgres";
export { DEFAULT_POSTGRES, POSTGRES_PORT, postgresExporterWorkload, postgresWorkload, type PostgresSettings } from "./workload";

// The platform's recovery objectives (docs/05-operations/disaster-recovery.md): the freshness alerts
// and the restore drill judge against these, and nothing else defines them.

/** Recovery point objective: at most an hour of data may be lost. */
export const RPO_SECONDS = 60 * 60;

/** Recovery time objective: a restore from the replica bucket takes at most 15 minutes. */
export const RTO_SECONDS = 15 * 60;

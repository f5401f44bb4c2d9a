/** Kysely types of the audit module's tables (filled in by the audit migration). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuditTables {}

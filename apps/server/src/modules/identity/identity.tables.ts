/** Kysely types of the identity module's tables. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IdentityTables {}

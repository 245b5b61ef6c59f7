/** Tables for operator accounts, refresh tokens and the audit log (filled in by the security work). */
// biome-ignore lint/suspicious/noEmptyInterface: tables are added here
export interface OperatorTables {}

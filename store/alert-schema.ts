/** Tables for alert rules, alerts, their transitions and deliveries (filled in by the alert work). */
// biome-ignore lint/suspicious/noEmptyInterface: tables are added here
export interface AlertTables {}

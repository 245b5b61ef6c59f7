import type { Generated } from "kysely";

/** Tables for operators' actions (the audit log). */
export interface OperatorTables {
  audit_log: AuditLogTable;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
  source: string | null;
  /** JSON, null when there was nothing before (a creation) or after (a deletion). */
  before: string | null;
  after: string | null;
}

import type { Generated } from "kysely";

/**
 * Tables of the warning network (warnings/store/warning-migrations.ts): agencies and their members,
 * warnings, the communes each targets, and every event of a warning. Times are epoch milliseconds,
 * UTC; booleans are 0/1; lists are JSON text.
 */
export interface WarningTables {
  agencies: AgenciesTable;
  agency_members: AgencyMembersTable;
  warnings: WarningsTable;
  warning_communes: WarningCommunesTable;
  warning_events: WarningEventsTable;
  mail_subscribers: MailSubscribersTable;
  mail_outbox: MailOutboxTable;
  mail_cursor: MailCursorTable;
}

/** A resident's e-mail address and the communes it follows; mail goes out only once confirmed. */
export interface MailSubscribersTable {
  id: Generated<number>;
  email: string;
  /** JSON array of commune codes. */
  communes: string;
  /** Confirms and unsubscribes (the links in every mail). */
  token: string;
  /** Where the links point (PUBLIC_BASE_URL, or the address the resident used). */
  base_url: string;
  confirmed: number;
  created_at: number;
  confirmed_at: number | null;
}

/** Every e-mail to send, stored before it is sent; one per warning event and subscriber. */
export interface MailOutboxTable {
  id: Generated<number>;
  /** The warning event it tells of; null for a confirmation request. */
  event_id: number | null;
  subscriber_id: number;
  recipient: string;
  subject: string;
  body: string;
  /** pending, sent, failed (gave up), void (the subscriber left before it went). */
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
  created_at: number;
}

/** How far the mail fan-out has read the warning events. */
export interface MailCursorTable {
  name: string;
  last_event_id: number;
}

export interface AgenciesTable {
  id: Generated<number>;
  code: string;
  name_vi: string;
  name_en: string | null;
  /** JSON array of hazard types. */
  hazards: string;
  /** JSON array of commune codes. */
  communes: string;
  second_approval: number;
  created_at: number;
  updated_at: number;
}

export interface AgencyMembersTable {
  agency_id: number;
  username: string;
  role: string;
}

export interface WarningsTable {
  id: Generated<number>;
  agency_id: number;
  state: string;
  hazard: string;
  base_level: number;
  concurrent_raise: number;
  level: number;
  headline_vi: string;
  headline_en: string | null;
  description_vi: string;
  description_en: string | null;
  instruction_vi: string;
  instruction_en: string | null;
  onset: number;
  expires: number;
  /** JSON array of references (alerts, readings). */
  refs: string;
  version: number;
  created_by: string;
  created_at: number;
  updated_by: string;
  updated_at: number;
  published_by: string | null;
  published_at: number | null;
  ended_by: string | null;
  ended_at: number | null;
}

/** One row per commune a warning targets: residents' queries select by commune. */
export interface WarningCommunesTable {
  warning_id: number;
  commune: string;
}

export interface WarningEventsTable {
  /** AUTOINCREMENT: a client's `lastWarningEventId` always means the same event. */
  id: Generated<number>;
  warning_id: number;
  kind: string;
  at: number;
  actor: string;
  /** JSON of the warning as the event left it. */
  snapshot: string;
}

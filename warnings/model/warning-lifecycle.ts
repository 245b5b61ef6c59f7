import type { AgencyRole } from "../../kernel/roles.js";
import { type Agency, agencyRoleOf } from "./agency.js";
import { HAZARD_INFO } from "./hazard.js";
import { levelOf, type Warning, type WarningContent } from "./warning.js";

/**
 * The life of a warning, pure: draft → (publication by an approver of the same agency, a second
 * person unless the agency turned that off) → published → updated or cancelled → expired. Each
 * decision says what the warning becomes and which event is stored, or why it is refused.
 *
 * Who may do what, always within the warning's own agency (members of other agencies, and users
 * of no agency whatever their operator role, are refused):
 * - issuer: drafts, edits and discards drafts;
 * - approver: all of that, and publishes a draft (not one they wrote or last edited when the
 *   agency requires a second person), updates and cancels a published warning.
 * The clock expires a published warning at its expiry time.
 */

export const WARNING_EVENT_KINDS = [
  "drafted",
  "edited",
  "published",
  "updated",
  "cancelled",
  "discarded",
  "expired",
] as const;
export type WarningEventKind = (typeof WARNING_EVENT_KINDS)[number];

/** Events residents, the CAP feed and the delivery channels see; the others stay with operators. */
export const PUBLIC_EVENT_KINDS: ReadonlySet<WarningEventKind> = new Set([
  "published",
  "updated",
  "cancelled",
  "expired",
]);

export interface WarningEventFacts {
  readonly kind: WarningEventKind;
  readonly at: number;
  readonly actor: string;
}

export type WarningRefusal = {
  readonly ok: false;
  readonly reason: "forbidden" | "conflict" | "bad_request";
  readonly message: string;
};

export type WarningDecision =
  | { readonly ok: true; readonly warning: Omit<Warning, "id">; readonly event: WarningEventFacts }
  | WarningRefusal;

const refuse = (reason: WarningRefusal["reason"], message: string): WarningRefusal => ({
  ok: false,
  reason,
  message,
});

type Needed = AgencyRole;

function roleProblem(agency: Agency, username: string, needed: Needed): WarningRefusal | undefined {
  const role = agencyRoleOf(agency, username);
  if (role === null) {
    return refuse(
      "forbidden",
      `${username} không thuộc cơ quan ${agency.code} / ${username} is not a member of agency ${agency.code}`,
    );
  }
  if (needed === "approver" && role !== "approver") {
    return refuse(
      "forbidden",
      `chỉ người phê duyệt của ${agency.code} mới được làm việc này / only an approver of ${agency.code} may do this`,
    );
  }
  return undefined;
}

/** The content must stay within what the agency may warn about and where. */
function contentProblem(agency: Agency, content: WarningContent): WarningRefusal | undefined {
  if (!agency.hazards.includes(content.hazard)) {
    return refuse(
      "forbidden",
      `cơ quan ${agency.code} không được cảnh báo "${HAZARD_INFO[content.hazard].name.vi}" / agency ${agency.code} may not warn about ${content.hazard}`,
    );
  }
  const outside = content.communes.filter((c) => !agency.communes.includes(c));
  if (outside.length > 0) {
    return refuse(
      "forbidden",
      `ngoài địa bàn của cơ quan ${agency.code}: ${outside.join(", ")} / outside the communes agency ${agency.code} covers`,
    );
  }
  if (content.communes.length === 0) {
    return refuse("bad_request", "cảnh báo cần ít nhất một xã/phường / a warning needs at least one commune");
  }
  return undefined;
}

export function decideDraft(
  agency: Agency,
  content: WarningContent,
  username: string,
  now: number,
): WarningDecision {
  const problem = roleProblem(agency, username, "issuer") ?? contentProblem(agency, content);
  if (problem) return problem;
  return {
    ok: true,
    warning: {
      ...content,
      agencyId: agency.id,
      state: "draft",
      level: levelOf(content),
      version: 0,
      createdBy: username,
      createdAt: now,
      updatedBy: username,
      updatedAt: now,
      publishedBy: null,
      publishedAt: null,
      endedBy: null,
      endedAt: null,
    },
    event: { kind: "drafted", at: now, actor: username },
  };
}

const stateConflict = (warning: Warning, action: string) =>
  refuse(
    "conflict",
    `cảnh báo ${warning.id} đang ở trạng thái ${warning.state}, không thể ${action} / warning ${warning.id} is ${warning.state}: cannot ${action}`,
  );

function sameAgency(warning: Warning, agency: Agency): void {
  if (warning.agencyId !== agency.id) throw new Error("the agency given is not the warning's");
}

/** Rewrites a draft: any member of its agency. */
export function decideEdit(
  warning: Warning,
  agency: Agency,
  content: WarningContent,
  username: string,
  now: number,
): WarningDecision {
  sameAgency(warning, agency);
  const problem = roleProblem(agency, username, "issuer");
  if (problem) return problem;
  if (warning.state !== "draft") return stateConflict(warning, "sửa bản nháp / edit the draft");
  const invalid = contentProblem(agency, content);
  if (invalid) return invalid;
  return {
    ok: true,
    warning: { ...warning, ...content, level: levelOf(content), updatedBy: username, updatedAt: now },
    event: { kind: "edited", at: now, actor: username },
  };
}

/** Publishes a draft: an approver of its agency, a second person when the agency requires one. */
export function decidePublish(
  warning: Warning,
  agency: Agency,
  username: string,
  now: number,
): WarningDecision {
  sameAgency(warning, agency);
  const problem = roleProblem(agency, username, "approver");
  if (problem) return problem;
  if (warning.state !== "draft") return stateConflict(warning, "phát hành / publish");
  if (agency.secondApproval && (warning.createdBy === username || warning.updatedBy === username)) {
    return refuse(
      "forbidden",
      "cần người thứ hai của cơ quan phê duyệt: người soạn hoặc sửa bản nháp không tự phát hành / a second person of the agency must approve: whoever wrote or last edited the draft cannot publish it",
    );
  }
  // The agency's remit may have shrunk since the draft was written.
  const invalid = contentProblem(agency, warning);
  if (invalid) return invalid;
  if (warning.expires <= now) {
    return refuse(
      "conflict",
      "thời điểm hết hiệu lực đã qua: sửa bản nháp trước khi phát hành / the expiry time has passed: edit the draft first",
    );
  }
  return {
    ok: true,
    warning: { ...warning, state: "published", version: 1, publishedBy: username, publishedAt: now },
    event: { kind: "published", at: now, actor: username },
  };
}

/** Changes a published warning (a CAP Update): an approver of its agency. */
export function decideUpdate(
  warning: Warning,
  agency: Agency,
  content: WarningContent,
  username: string,
  now: number,
): WarningDecision {
  sameAgency(warning, agency);
  const problem = roleProblem(agency, username, "approver");
  if (problem) return problem;
  if (warning.state !== "published") return stateConflict(warning, "cập nhật / update");
  const invalid = contentProblem(agency, content);
  if (invalid) return invalid;
  if (content.expires <= now) {
    return refuse(
      "bad_request",
      "thời điểm hết hiệu lực mới đã qua: hãy hủy cảnh báo / the new expiry has passed: cancel the warning instead",
    );
  }
  return {
    ok: true,
    warning: {
      ...warning,
      ...content,
      level: levelOf(content),
      version: warning.version + 1,
      updatedBy: username,
      updatedAt: now,
    },
    event: { kind: "updated", at: now, actor: username },
  };
}

/**
 * Ends a warning before its time: a published one is cancelled by an approver (a CAP Cancel); a
 * draft is discarded by any member of its agency and never reaches anyone.
 */
export function decideCancel(
  warning: Warning,
  agency: Agency,
  username: string,
  now: number,
): WarningDecision {
  sameAgency(warning, agency);
  const draft = warning.state === "draft";
  const problem = roleProblem(agency, username, draft ? "issuer" : "approver");
  if (problem) return problem;
  if (!draft && warning.state !== "published") return stateConflict(warning, "hủy / cancel");
  return {
    ok: true,
    warning: { ...warning, state: "cancelled", endedBy: username, endedAt: now },
    event: { kind: draft ? "discarded" : "cancelled", at: now, actor: username },
  };
}

/** The actor the clock acts as in the audit and the events. */
export const SYSTEM_ACTOR = "system";

/** A published warning past its expiry becomes expired; anything else stays as it is. */
export function decideExpiry(warning: Warning, now: number): WarningDecision | undefined {
  if (warning.state !== "published" || warning.expires > now) return undefined;
  return {
    ok: true,
    warning: { ...warning, state: "expired", endedBy: SYSTEM_ACTOR, endedAt: warning.expires },
    event: { kind: "expired", at: now, actor: SYSTEM_ACTOR },
  };
}

/** A stored event: its id orders every warning event of the service (replay after a reconnect). */
export interface WarningEvent extends WarningEventFacts {
  readonly id: number;
  readonly warningId: number;
  /** The warning as this event left it. */
  readonly warning: Warning;
}

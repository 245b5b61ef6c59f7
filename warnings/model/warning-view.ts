import { z } from "zod";
import { AGENCY_ROLES } from "../../kernel/roles.js";
import type { Agency } from "./agency.js";
import { HAZARD_INFO, HAZARD_TYPES } from "./hazard.js";
import { RISK_LEVEL_INFO } from "./risk-level.js";
import { WARNING_STATES, type Warning } from "./warning.js";
import { WARNING_EVENT_KINDS, type WarningEvent } from "./warning-lifecycle.js";

/**
 * Warnings as the API answers them (operators' and residents' views) and as Socket.IO sends them:
 * times in ISO 8601 UTC, the level with its colour and name, the hazard named. Residents' views
 * never carry the names of the agency's staff.
 */

const bilingual = z.object({ vi: z.string(), en: z.string().nullable() });

export const riskLevelViewSchema = z.object({
  level: z.number().int().min(1).max(5),
  name: bilingual,
  colour: bilingual,
  hex: z.string(),
  textHex: z.string(),
});

const referenceView = z.union([
  z.object({ kind: z.literal("alert"), alertId: z.number() }),
  z.object({ kind: z.literal("reading"), deviceId: z.string(), metric: z.string(), ts: z.string() }),
]);

export const publicWarningSchema = z.object({
  id: z.number(),
  agency: z.object({ code: z.string(), name: bilingual }),
  state: z.enum(WARNING_STATES),
  hazard: z.enum(HAZARD_TYPES),
  hazardName: bilingual,
  level: z.number().int().min(1).max(5),
  baseLevel: z.number().int(),
  concurrentRaise: z.number().int(),
  levelInfo: riskLevelViewSchema,
  communes: z.array(z.string()),
  headline: bilingual,
  description: bilingual,
  instruction: bilingual,
  onset: z.string(),
  expires: z.string(),
  version: z.number().int(),
  publishedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type PublicWarningView = z.infer<typeof publicWarningSchema>;

export const warningViewSchema = publicWarningSchema.extend({
  agencyId: z.number(),
  references: z.array(referenceView),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedBy: z.string(),
  publishedBy: z.string().nullable(),
  endedBy: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type WarningView = z.infer<typeof warningViewSchema>;

export const warningEventViewSchema = z.object({
  id: z.number(),
  warningId: z.number(),
  kind: z.enum(WARNING_EVENT_KINDS),
  at: z.string(),
  actor: z.string(),
  warning: warningViewSchema,
});

export const publicWarningEventSchema = z.object({
  id: z.number(),
  warningId: z.number(),
  kind: z.enum(WARNING_EVENT_KINDS),
  at: z.string(),
  warning: publicWarningSchema,
});
export type PublicWarningEventView = z.infer<typeof publicWarningEventSchema>;

export const agencyViewSchema = z.object({
  id: z.number(),
  code: z.string(),
  name: bilingual,
  hazards: z.array(z.enum(HAZARD_TYPES)),
  communes: z.array(z.string()),
  secondApproval: z.boolean(),
  members: z.array(z.object({ username: z.string(), role: z.enum(AGENCY_ROLES) })),
});

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const levelView = (level: Warning["level"]) => ({ ...RISK_LEVEL_INFO[level] });

export function publicWarningView(
  warning: Warning,
  agency: Pick<Agency, "code" | "name"> | undefined,
): PublicWarningView {
  return {
    id: warning.id,
    agency: agency ? { code: agency.code, name: agency.name } : { code: "", name: { vi: "", en: null } },
    state: warning.state,
    hazard: warning.hazard,
    hazardName: HAZARD_INFO[warning.hazard].name,
    level: warning.level,
    baseLevel: warning.baseLevel,
    concurrentRaise: warning.concurrentRaise,
    levelInfo: levelView(warning.level),
    communes: [...warning.communes],
    headline: warning.headline,
    description: warning.description,
    instruction: warning.instruction,
    onset: iso(warning.onset),
    expires: iso(warning.expires),
    version: warning.version,
    publishedAt: isoOrNull(warning.publishedAt),
    updatedAt: iso(warning.updatedAt),
  };
}

export function warningView(
  warning: Warning,
  agency: Pick<Agency, "code" | "name"> | undefined,
): WarningView {
  return {
    ...publicWarningView(warning, agency),
    agencyId: warning.agencyId,
    references: warning.references.map((r) => (r.kind === "alert" ? r : { ...r, ts: iso(r.ts) })),
    createdBy: warning.createdBy,
    createdAt: iso(warning.createdAt),
    updatedBy: warning.updatedBy,
    publishedBy: warning.publishedBy,
    endedBy: warning.endedBy,
    endedAt: isoOrNull(warning.endedAt),
  };
}

export function warningEventView(event: WarningEvent, agency: Pick<Agency, "code" | "name"> | undefined) {
  return {
    id: event.id,
    warningId: event.warningId,
    kind: event.kind,
    at: iso(event.at),
    actor: event.actor,
    warning: warningView(event.warning, agency),
  };
}

export function publicWarningEventView(
  event: WarningEvent,
  agency: Pick<Agency, "code" | "name"> | undefined,
): PublicWarningEventView {
  return {
    id: event.id,
    warningId: event.warningId,
    kind: event.kind,
    at: iso(event.at),
    warning: publicWarningView(event.warning, agency),
  };
}

export const agencyView = (agency: Agency) => ({
  ...agency,
  hazards: [...agency.hazards],
  communes: [...agency.communes],
  members: [...agency.members],
});

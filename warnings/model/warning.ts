import { z } from "zod";
import { HAZARD_TYPES, type HazardType } from "./hazard.js";
import { type ConcurrentRaise, effectiveRiskLevel, type RiskLevel } from "./risk-level.js";

/**
 * A warning an agency issues: what it says (content), to whom (communes), when it holds (onset,
 * expiry; UTC epoch milliseconds) and what supports it (sensor alerts, readings). Bodies from the
 * API are checked here with Vietnamese-first messages.
 */

export const WARNING_STATES = ["draft", "published", "cancelled", "expired"] as const;
export type WarningState = (typeof WARNING_STATES)[number];

export interface WarningText {
  readonly vi: string;
  /** English is optional. */
  readonly en: string | null;
}

export type WarningReference =
  | { readonly kind: "alert"; readonly alertId: number }
  | { readonly kind: "reading"; readonly deviceId: string; readonly metric: string; readonly ts: number };

export interface WarningContent {
  readonly hazard: HazardType;
  /** The main hazard's level; `level` of the warning raises it for concurrent hazards. */
  readonly baseLevel: RiskLevel;
  readonly concurrentRaise: ConcurrentRaise;
  /** Commune and ward codes (the service's area codes), sorted, no repeats. */
  readonly communes: readonly string[];
  readonly headline: WarningText;
  readonly description: WarningText;
  readonly instruction: WarningText;
  readonly onset: number;
  readonly expires: number;
  readonly references: readonly WarningReference[];
}

export interface Warning extends WarningContent {
  readonly id: number;
  readonly agencyId: number;
  readonly state: WarningState;
  /** The level in force: baseLevel raised by concurrentRaise, at most 5. */
  readonly level: RiskLevel;
  /** 1 for the first publication, +1 for each update. 0 while a draft. */
  readonly version: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedBy: string;
  readonly updatedAt: number;
  readonly publishedBy: string | null;
  readonly publishedAt: number | null;
  readonly endedBy: string | null;
  readonly endedAt: number | null;
}

export const levelOf = (content: Pick<WarningContent, "baseLevel" | "concurrentRaise">): RiskLevel =>
  effectiveRiskLevel(content.baseLevel, content.concurrentRaise);

// --- Boundaries: the bodies of the API ---

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const YEAR_2000 = Date.UTC(2000, 0, 1);

/** A time in a body: epoch milliseconds, or ISO 8601 with an offset (+07:00 for Vietnam time). */
export const warningTimeSchema = z
  .union([z.number(), z.string()], {
    error:
      "thời điểm phải là mili giây hoặc ISO 8601 có múi giờ / a time must be epoch ms or ISO 8601 with an offset",
  })
  .transform((raw, ctx) => {
    const ms = typeof raw === "number" ? raw : ISO_WITH_OFFSET.test(raw) ? Date.parse(raw) : Number.NaN;
    if (!Number.isInteger(ms) || ms < YEAR_2000 || ms > 8.64e15) {
      ctx.addIssue({
        code: "custom",
        message:
          "thời điểm không hợp lệ (mili giây hoặc ISO 8601 có múi giờ, ví dụ 2026-12-06T14:00:00+07:00) / not a valid time (epoch ms or ISO 8601 with an offset)",
      });
      return z.NEVER;
    }
    return ms;
  });

export const communeCodeSchema = z
  .string({ error: "mã xã/phường phải là chuỗi / a commune code must be a string" })
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "mã xã/phường không hợp lệ / not a valid commune code");

const text = (field: string, max: number, required: boolean) =>
  z
    .object(
      {
        vi: z
          .string({ error: `${field}.vi: cần nội dung tiếng Việt / Vietnamese text is required` })
          .trim()
          .min(required ? 1 : 0, `${field}.vi: cần nội dung tiếng Việt / Vietnamese text is required`)
          .max(max, `${field}.vi: tối đa ${max} ký tự / at most ${max} characters`),
        en: z
          .string({ error: `${field}.en: phải là chuỗi / must be a string` })
          .trim()
          .max(max, `${field}.en: tối đa ${max} ký tự / at most ${max} characters`)
          .optional(),
      },
      { error: `${field}: cần {"vi", "en"?} / expected {"vi", "en"?}` },
    )
    .strict()
    .transform((t): WarningText => ({ vi: t.vi, en: t.en ? t.en : null }));

export const MAX_COMMUNES = 200;
export const MAX_REFERENCES = 50;
export const MAX_POLYGON_POINTS = 500;

const referenceSchema = z.union(
  [
    z.object({ alertId: z.number().int().positive() }).strict(),
    z
      .object({
        reading: z
          .object({
            deviceId: z.string().min(1).max(64),
            metric: z.string().min(1).max(64),
            ts: warningTimeSchema,
          })
          .strict(),
      })
      .strict(),
  ],
  {
    error:
      'tham chiếu phải là {"alertId"} hoặc {"reading": {"deviceId", "metric", "ts"}} / a reference is {"alertId"} or {"reading": {…}}',
  },
);

/** [longitude, latitude] pairs, as GeoJSON spells them. */
const polygonSchema = z
  .array(
    z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)], {
      error: "mỗi đỉnh là [kinh độ, vĩ độ] / each vertex is [lon, lat]",
    }),
  )
  .min(3, "đa giác cần ít nhất 3 đỉnh / a polygon needs at least 3 vertices")
  .max(
    MAX_POLYGON_POINTS,
    `đa giác tối đa ${MAX_POLYGON_POINTS} đỉnh / at most ${MAX_POLYGON_POINTS} vertices`,
  );

const contentShape = {
  hazard: z.enum(HAZARD_TYPES, {
    error: `loại thiên tai không hợp lệ / hazard must be one of ${HAZARD_TYPES.join(", ")}`,
  }),
  level: z
    .number({ error: "cấp độ rủi ro là số 1–5 / level must be a number 1–5" })
    .int("cấp độ rủi ro là số nguyên 1–5 / level must be a whole number 1–5")
    .min(1, "cấp độ rủi ro từ 1 đến 5 / level is 1–5")
    .max(5, "cấp độ rủi ro từ 1 đến 5 / level is 1–5"),
  concurrentRaise: z
    .union([z.literal(0), z.literal(1), z.literal(2)], {
      error: "thiên tai đồng thời nâng 0, 1 hoặc 2 cấp / concurrentRaise is 0, 1 or 2",
    })
    .default(0),
  communes: z
    .array(communeCodeSchema)
    .max(MAX_COMMUNES, `tối đa ${MAX_COMMUNES} xã/phường / at most ${MAX_COMMUNES} communes`)
    .default([]),
  polygon: polygonSchema.optional(),
  headline: text("headline", 160, true),
  description: text("description", 4000, true),
  instruction: text("instruction", 2000, false),
  onset: warningTimeSchema,
  expires: warningTimeSchema,
  references: z
    .array(referenceSchema)
    .max(MAX_REFERENCES, `tối đa ${MAX_REFERENCES} tham chiếu / at most ${MAX_REFERENCES} references`)
    .default([]),
};

const contentChecks = <T extends { onset: number; expires: number; communes: string[]; polygon?: unknown }>(
  body: T,
  ctx: z.RefinementCtx,
) => {
  if (body.expires <= body.onset) {
    ctx.addIssue({
      code: "custom",
      path: ["expires"],
      message: "thời điểm hết hiệu lực phải sau thời điểm bắt đầu / expires must be after onset",
    });
  }
  if (body.communes.length === 0 && body.polygon === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["communes"],
      message:
        "chọn ít nhất một xã/phường hoặc vẽ một đa giác / choose at least one commune or draw a polygon",
    });
  }
};

/** POST /api/v1/warnings: a new draft for an agency. */
export const warningDraftBodySchema = z
  .object({
    agencyId: z.number({ error: "agencyId là số / agencyId must be a number" }).int().positive(),
    ...contentShape,
  })
  .strict()
  .superRefine(contentChecks);

/** PUT /api/v1/warnings/:id (a draft) and POST …/:id/update (a published warning): the whole content again. */
export const warningContentBodySchema = z.object(contentShape).strict().superRefine(contentChecks);

export type WarningContentBody = z.output<typeof warningContentBodySchema>;
export type WarningDraftBody = z.output<typeof warningDraftBodySchema>;

function referenceOf(raw: z.output<typeof referenceSchema>): WarningReference {
  return "alertId" in raw
    ? { kind: "alert", alertId: raw.alertId }
    : { kind: "reading", deviceId: raw.reading.deviceId, metric: raw.reading.metric, ts: raw.reading.ts };
}

/** The content of a body, with the communes the polygon selected added to the chosen ones. */
export function contentOf(body: WarningContentBody, polygonCommunes: readonly string[] = []): WarningContent {
  return {
    hazard: body.hazard,
    baseLevel: body.level as RiskLevel,
    concurrentRaise: body.concurrentRaise,
    communes: [...new Set([...body.communes, ...polygonCommunes])].sort(),
    headline: body.headline,
    description: body.description,
    instruction: body.instruction,
    onset: body.onset,
    expires: body.expires,
    references: body.references.map(referenceOf),
  };
}

import { z } from "zod";
import { AGENCY_ROLES, type AgencyRole } from "../../kernel/roles.js";
import { HAZARD_TYPES, type HazardType } from "./hazard.js";
import { communeCodeSchema, MAX_COMMUNES } from "./warning.js";

/**
 * A competent agency of the warning network (the provincial hydro-meteorological station, the
 * department of agriculture and environment, the civil defence command…): its users with their
 * agency role, the hazards it may warn about and the communes it covers. Admins manage agencies.
 */

export interface AgencyMember {
  readonly username: string;
  readonly role: AgencyRole;
}

export interface Agency {
  readonly id: number;
  readonly code: string;
  readonly name: { readonly vi: string; readonly en: string | null };
  readonly hazards: readonly HazardType[];
  readonly communes: readonly string[];
  /** A draft is published by an approver other than the people who wrote it (on by default). */
  readonly secondApproval: boolean;
  readonly members: readonly AgencyMember[];
}

export const agencyBodySchema = z
  .object({
    code: z
      .string({ error: "code là chuỗi / code must be a string" })
      .regex(
        /^[a-z0-9][a-z0-9-]{1,39}$/,
        "mã cơ quan: 2–40 chữ thường, số, '-' / code: 2–40 of a-z, 0-9, '-'",
      ),
    name: z
      .object({
        vi: z.string().trim().min(1, "name.vi: cần tên tiếng Việt / a Vietnamese name is required").max(200),
        en: z.string().trim().max(200).optional(),
      })
      .strict(),
    hazards: z
      .array(
        z.enum(HAZARD_TYPES, { error: `loại thiên tai / hazard must be one of ${HAZARD_TYPES.join(", ")}` }),
      )
      .min(1, "cơ quan cần ít nhất một loại thiên tai / at least one hazard")
      .max(HAZARD_TYPES.length),
    communes: z
      .array(communeCodeSchema)
      .min(1, "cơ quan cần ít nhất một xã/phường / at least one commune")
      .max(MAX_COMMUNES),
    secondApproval: z.boolean({ error: "secondApproval là true/false / must be a boolean" }).default(true),
  })
  .strict();

export type AgencyBody = z.output<typeof agencyBodySchema>;

export const agencyRoleSchema = z.enum(AGENCY_ROLES, {
  error: `vai trò trong cơ quan: ${AGENCY_ROLES.join(", ")} / role must be one of ${AGENCY_ROLES.join(", ")}`,
});

/** The user's role in the agency, or null when not a member. */
export function agencyRoleOf(agency: Pick<Agency, "members">, username: string): AgencyRole | null {
  return agency.members.find((m) => m.username === username)?.role ?? null;
}

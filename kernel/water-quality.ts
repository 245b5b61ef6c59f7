/**
 * A water body's VN_WQI settings (Decision 1460/QĐ-TCMT), kept with its station in the registry and
 * given to the calculator. Pure zod.
 */
import { z } from "zod";

/** Groups a water body may require besides IV: II when pesticides affect it, III when heavy metals do. */
export const WQI_REQUIRABLE_GROUPS = ["II", "III"] as const;
export type WqiRequirableGroup = (typeof WQI_REQUIRABLE_GROUPS)[number];

export const wqiSettingsSchema = z.strictObject({
  weighted: z.boolean({ error: "weighted must be true or false" }).default(false).meta({
    description:
      "formula 5 of the decision (group IV weighted 2, group V 1), for water bodies where organic pollution matters",
  }),
  requiredGroups: z
    .array(
      z.enum(WQI_REQUIRABLE_GROUPS, { error: "required groups are II (pesticides) and III (heavy metals)" }),
    )
    .max(WQI_REQUIRABLE_GROUPS.length)
    .refine((groups) => new Set(groups).size === groups.length, "a group is listed more than once")
    .default([])
    .meta({
      description: "II for a water body affected by pesticides, III for one affected by heavy metals",
    }),
});
export type WqiSettings = z.infer<typeof wqiSettingsSchema>;

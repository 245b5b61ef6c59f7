/**
 * What GET /api/v1/industrial/facilities answers, shared with the operators' dashboard (which
 * checks it on arrival). Pure zod.
 */
import { z } from "zod";

const nullableNumber = z.number().nullable();

const limitSchema = z.object({
  metric: z.string(),
  max: z.number().optional(),
  min: z.number().optional(),
  permit: z.string(),
  validFrom: z.string(),
  validTo: z.string().optional(),
});
export const facilitiesResponseSchema = z.object({
  facilities: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      taxCode: z.string(),
      industrialZone: z.string().nullable(),
      area: z.string(),
      areaName: z.string(),
      stations: z.array(
        z.object({
          code: z.string(),
          deviceId: z.string(),
          name: z.string(),
          kind: z.string(),
          intervalMinutes: z.number().int(),
          limits: z.array(limitSchema).meta({ description: "permitted limits in force now" }),
          today: z.object({
            filesReceived: z.number().int(),
            filesExpected: z.number().int(),
            completenessPercent: nullableNumber,
            exceedances: z.number().int(),
          }),
        }),
      ),
    }),
  ),
});
export type FacilitiesResponse = z.infer<typeof facilitiesResponseSchema>;

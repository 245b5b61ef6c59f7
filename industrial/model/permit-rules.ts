/**
 * The alert rules a facilities file implies, for the existing rule engine: one threshold rule per
 * permitted limit in force (above `max`, below `min`) and one no-data rule per station (a gap in
 * transmission). Only measuring values reach the rule engine, so calibrating, faulty or
 * maintenance values never open an exceedance. Each rule's name starts with a stable key
 * `[GPMT <device> <metric> <max|min|nodata>]`, by which the sync finds the rule it made. Pure.
 */
import { type MetricKey, metricDefinition } from "../../kernel/catalogue.js";
import { type FacilitiesFile, type FileStation, gapMinutesOf, limitsInForce } from "./facilities.js";

export const MANAGED_RULE_PREFIX = "[GPMT ";

/** The metric whose silence says no file came: what every file of the kind carries. */
const GAP_METRIC: Readonly<Record<FileStation["kind"], MetricKey>> = {
  wastewater: "flow_out",
  stack_emission: "stack_flow",
};

export interface ManagedRule {
  readonly key: string;
  /** A rule definition as the alerts API takes it (its schema fills the defaults). */
  readonly definition: {
    readonly name: string;
    readonly metric: MetricKey;
    readonly scope: { readonly device: string };
    readonly condition:
      | { readonly type: "threshold"; readonly above: number }
      | { readonly type: "threshold"; readonly below: number }
      | { readonly type: "nodata"; readonly seconds: number };
    readonly severity: "minor" | "major";
    readonly audience: "operators";
    readonly message: { readonly vi: string; readonly en: string };
  };
}

export const ruleKey = (deviceId: string, what: string) => `${MANAGED_RULE_PREFIX}${deviceId} ${what}]`;

export function permitRules(file: FacilitiesFile, now: number): ManagedRule[] {
  const rules: ManagedRule[] = [];
  for (const facility of file.facilities) {
    for (const station of facility.stations) {
      for (const limit of limitsInForce(station, now)) {
        const definition = metricDefinition(limit.metric);
        const label = definition.label;
        for (const side of ["max", "min"] as const) {
          const level = limit[side];
          if (level === undefined) continue;
          const key = ruleKey(station.deviceId, `${limit.metric} ${side}`);
          const sign = side === "max" ? ">" : "<";
          rules.push({
            key,
            definition: {
              name: `${key} ${facility.name}: ${label.vi} ${sign} ${level} ${definition.unit} (${limit.permit})`.slice(
                0,
                200,
              ),
              metric: limit.metric,
              scope: { device: station.deviceId },
              condition:
                side === "max" ? { type: "threshold", above: level } : { type: "threshold", below: level },
              severity: "major",
              audience: "operators",
              message: {
                vi: `${facility.name} · {station}: ${label.vi} {value} {unit} vượt giới hạn cho phép ${sign} ${level} theo giấy phép ${limit.permit}`,
                en: `${facility.name} · {station}: ${label.en} {value} {unit} beyond the permitted ${sign} ${level} (permit ${limit.permit})`,
              },
            },
          });
        }
      }
      const gapKey = ruleKey(station.deviceId, "nodata");
      const minutes = gapMinutesOf(station);
      rules.push({
        key: gapKey,
        definition: {
          name: `${gapKey} ${facility.name}: không nhận được tệp số liệu ${minutes} phút`.slice(0, 200),
          metric: GAP_METRIC[station.kind],
          scope: { device: station.deviceId },
          condition: { type: "nodata", seconds: minutes * 60 },
          severity: "minor",
          audience: "operators",
          message: {
            vi: `${facility.name} · {station}: không nhận được số liệu quan trắc tự động trong ${minutes} phút`,
            en: `${facility.name} · {station}: no monitoring data received for ${minutes} minutes`,
          },
        },
      });
    }
  }
  return rules;
}

import type { Severity } from "./rule.js";

/**
 * The one table that turns the service's severity ladder into CAP 1.2 terms (documented in
 * alerts/model/CAP.md). Every alert is raised from a station's measurement, so certainty is
 * always Observed. "critical" is the top of the ladder the agencies reserve for danger to life
 * (flood alarm level III, hazardous air), hence Extreme; "minor" still marks a possible threat to
 * health (a national limit exceeded), hence Moderate rather than Minor.
 */

export type CapSeverity = "Extreme" | "Severe" | "Moderate" | "Minor" | "Unknown";
export type CapUrgency = "Immediate" | "Expected" | "Future" | "Past" | "Unknown";
export type CapCertainty = "Observed" | "Likely" | "Possible" | "Unlikely" | "Unknown";
export type CapResponseType =
  | "Shelter"
  | "Evacuate"
  | "Prepare"
  | "Execute"
  | "Avoid"
  | "Monitor"
  | "Assess"
  | "AllClear"
  | "None";

export interface CapSeverityTerms {
  readonly severity: CapSeverity;
  readonly urgency: CapUrgency;
  readonly certainty: CapCertainty;
  readonly responseType: CapResponseType;
}

export const CAP_SEVERITY_TABLE: Readonly<Record<Severity, CapSeverityTerms>> = {
  minor: { severity: "Moderate", urgency: "Expected", certainty: "Observed", responseType: "Monitor" },
  major: { severity: "Severe", urgency: "Immediate", certainty: "Observed", responseType: "Avoid" },
  critical: { severity: "Extreme", urgency: "Immediate", certainty: "Observed", responseType: "Avoid" },
};

/** A Cancel (the alert cleared or was resolved): the threat is over, whatever the alert's severity was. */
export const CAP_CANCEL_TERMS: CapSeverityTerms = {
  severity: "Minor",
  urgency: "Past",
  certainty: "Observed",
  responseType: "AllClear",
};

export function capTermsFor(severity: Severity, cancelled: boolean): CapSeverityTerms {
  return cancelled ? CAP_CANCEL_TERMS : CAP_SEVERITY_TABLE[severity];
}

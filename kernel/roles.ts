/** Operator roles, weakest first: routes in every feature declare the least role they need. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Each role may do what the roles before it may. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/**
 * Roles a user holds inside an agency of the warning network (warnings/), beside the operator role
 * above: an issuer drafts warnings for the agency, an approver also publishes, updates and cancels
 * them. Agency roles never widen what the operator role allows, and the operator role gives no
 * agency role.
 */
export const AGENCY_ROLES = ["issuer", "approver"] as const;
export type AgencyRole = (typeof AGENCY_ROLES)[number];

/**
 * Which stations are published as open data. Pure.
 *
 * By default a station is published when it is registered and not decommissioned; devices that
 * only ever published (unregistered: unknown or test devices) and decommissioned stations are
 * not. An administrator may set a station "public" (published even then) or "private" (never).
 */
export type Visibility = "public" | "private";

export interface PublicationCandidate {
  readonly id: string;
  readonly registered: boolean;
  readonly lifecycle: string;
}

export function isPublished(device: PublicationCandidate, setting: Visibility | undefined): boolean {
  if (setting === "private") return false;
  if (setting === "public") return true;
  return device.registered && device.lifecycle !== "decommissioned";
}

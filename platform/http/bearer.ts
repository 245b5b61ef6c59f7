/** `Authorization: Bearer <token>` (RFC 6750), read the same way by every route that takes one. */

/** "Bearer <token>" (token68 characters, the scheme in any case) → the token; anything else → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(header ?? "");
  return match?.[1];
}

/** Why a header gave no bearer token: none was sent, or a header of another shape was. */
export const bearerProblem = (header: string | undefined): "missing" | "malformed" =>
  header === undefined || header.trim() === "" ? "missing" : "malformed";

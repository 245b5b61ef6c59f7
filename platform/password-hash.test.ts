import { describe, expect, it } from "vitest";
import { DEFAULT_SCRYPT_COST, generatePassword, hashPassword, verifyPassword } from "./password-hash.js";

describe("password hashes", () => {
  it("verifies the password it hashed (with the production cost) and nothing else", async () => {
    const hash = await hashPassword("Tây Ninh 2026 mật khẩu");
    expect(hash.startsWith(`scrypt$${DEFAULT_SCRYPT_COST.N}$8$1$`)).toBe(true);
    expect(await verifyPassword("Tây Ninh 2026 mật khẩu", hash)).toBe(true);
    expect(await verifyPassword("Tây Ninh 2026 mật khẩu ", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("treats the same text in composed and decomposed Unicode as the same password", async () => {
    const composed = "mật khẩu Tây Ninh";
    const hash = await hashPassword(composed, { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword(composed.normalize("NFD"), hash)).toBe(true);
  });

  it("never matches a malformed or hostile hash (and does not burn memory on huge parameters)", async () => {
    const good = await hashPassword("long enough password", { N: 1024, r: 8, p: 1 });
    const [, , , , salt, key] = good.split("$");
    for (const stored of [
      "",
      "plain",
      `bcrypt$1024$8$1$${salt}$${key}`,
      `scrypt$1000000000$8$1$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}$${key?.slice(0, 10)}`,
      `scrypt$abc$8$1$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}`,
    ]) {
      expect(await verifyPassword("long enough password", stored), stored).toBe(false);
    }
  });

  it("generates 20-character passwords from an unambiguous alphabet, different each time", () => {
    const passwords = Array.from({ length: 50 }, () => generatePassword());
    for (const p of passwords) expect(p).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{20}$/);
    expect(new Set(passwords).size).toBe(50);
  });
});

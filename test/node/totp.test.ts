import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, stepAt } from "../../workers/domain/totp";

/** RFC 6238 appendix B, SHA-1: the seed is the ASCII of "12345678901234567890", 8 digits. */
const RFC_KEY = new TextEncoder().encode("12345678901234567890");
const VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP", () => {
  it("matches RFC 6238's test vectors", async () => {
    for (const [t, code] of VECTORS) expect(await hotp(RFC_KEY, stepAt(t * 1000), 8)).toBe(code);
  });

  it("round-trips base32 (RFC 4648)", () => {
    expect(base32Encode(new TextEncoder().encode("foobar"))).toBe("MZXW6YTBOI");
    expect(new TextDecoder().decode(base32Decode("MZXW6YTBOI"))).toBe("foobar");
    expect(base32Decode(base32Encode(RFC_KEY))).toEqual(RFC_KEY);
  });

  it("accepts one step either side of now, never the same step twice, nor an older one", async () => {
    const secret = base32Encode(RFC_KEY);
    const now = 1111111111 * 1000;
    const at = async (step: number) => hotp(RFC_KEY, step);
    const s = stepAt(now);
    expect(await matchTotp(secret, await at(s), now, null)).toBe(s);
    expect(await matchTotp(secret, await at(s - 1), now, null)).toBe(s - 1);
    expect(await matchTotp(secret, await at(s + 1), now, null)).toBe(s + 1);
    expect(await matchTotp(secret, await at(s - 2), now, null)).toBeNull();
    // Replayed: the step was accepted already.
    expect(await matchTotp(secret, await at(s), now, s)).toBeNull();
    expect(await matchTotp(secret, await at(s - 1), now, s)).toBeNull();
    expect(await matchTotp(secret, "12345", now, null)).toBeNull();
  });

  it("names the account and the parameters in the otpauth URI", () => {
    expect(otpauthUri("ABC", "ana@example.com")).toBe(
      "otpauth://totp/Roomline%3Aana%40example.com?secret=ABC&issuer=Roomline&algorithm=SHA1&digits=6&period=30",
    );
  });
});

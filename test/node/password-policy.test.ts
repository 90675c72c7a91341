import { describe, expect, it } from "vitest";
import { isCommonPassword, passwordProblem } from "../../workers/domain/password-policy";

describe("password policy", () => {
  it("refuses short, common and email-derived passwords; accepts long, rare ones, whatever their length", () => {
    expect(passwordProblem("short-pass1")).toMatch(/at least 12/);
    expect(isCommonPassword("password")).toBe(true);
    expect(isCommonPassword("LeaveMeAlone")).toBe(true);
    expect(passwordProblem("qwerty123456")).toMatch(/common/);
    expect(passwordProblem("1qaz2wsx3edc")).toMatch(/common/);
    expect(passwordProblem("ana.lopez-2026!", { email: "ana.lopez@example.com" })).toMatch(/email/);
    expect(passwordProblem("violet tram under nine bridges")).toBeNull();
    expect(passwordProblem("x".repeat(5) + "🚋".repeat(7))).toBeNull(); // 12 characters, not 12 bytes
    expect(passwordProblem("a long passphrase ".repeat(14))).toBeNull(); // 252 characters, kept whole
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { d1 } from "../../workers/data/d1";
import { findUser } from "../../workers/data/users";
import { base32Decode, hotp, stepAt } from "../../workers/domain/totp";
import type { Deps } from "../../workers/deps";
import * as account from "../../workers/services/account";
import * as identity from "../../workers/services/identity";
import { call, fittingRequest, json, listedLandlord, signUp, uniqueIp, type TestUser } from "./helpers";
import { pgQuery } from "./pg";
import { leased, stayed } from "./tenancy";

/** Deps whose `EMAIL` binding keeps what it is asked to send, so a test can follow the link. */
function mailbox(over: Partial<Env> = {}) {
  const sent: { to: string; subject: string; text: string }[] = [];
  const EMAIL = {
    send: async (m: { to: string; subject: string; text: string }) => {
      sent.push(m);
      return { messageId: `m${sent.length}` };
    },
  };
  const deps: Deps = { env: { ...env, EMAIL, ...over } as unknown as Env, db: d1(env) };
  const tokenOf = (to: string) => {
    const mail = [...sent].reverse().find((m) => m.to === to && /#token=/.test(m.text));
    return /#token=(\S+)/.exec(mail!.text)![1]!;
  };
  return { sent, deps, tokenOf };
}

async function user(who: TestUser) {
  return json(await call("GET", "/v1/me", { token: who.accessToken }));
}

const login = (email: string, password: string) =>
  call("POST", "/v1/auth/login", { body: { email, password }, headers: { "cf-connecting-ip": uniqueIp() } });

describe("profile", () => {
  it("changes name, phone, locale and timezone only, validated; the role and the email stay", async () => {
    const me = await signUp("tenant");
    const res = await call("PATCH", "/v1/me", {
      token: me.accessToken,
      body: { name: "Ana López", phone: "+351912345678", locale: "es-ES", timezone: "Europe/Madrid" },
    });
    expect(res.status).toBe(200);
    expect(await user(me)).toMatchObject({
      name: "Ana López",
      phone: "+351912345678",
      locale: "es-ES",
      timezone: "Europe/Madrid",
      emailVerified: false,
      mfaEnabled: false,
      role: "tenant",
      email: me.email,
    });
    const bad = await call("PATCH", "/v1/me", {
      token: me.accessToken,
      body: { phone: "912", timezone: "Mars/Olympus", role: "admin" },
    });
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(
      expect.arrayContaining(["phone", "timezone"]),
    );
    expect((await user(me)).role).toBe("tenant");
    expect((await call("PATCH", "/v1/me", { body: { name: "x" } })).status).toBe(401);
  });

  it("refuses weak passwords at registration: short, common, or the email", async () => {
    for (const [password, email] of [
      ["short-pass1", `a-${crypto.randomUUID()}@example.com`],
      ["qwerty123456", `b-${crypto.randomUUID()}@example.com`],
      ["mariagarcia-2026", `mariagarcia@example.com`],
    ] as const) {
      const res = await call("POST", "/v1/auth/register", {
        body: { email, password, name: "Weak", role: "tenant" },
        headers: { "cf-connecting-ip": uniqueIp() },
      });
      expect(res.status, password).toBe(422);
      expect((await json(res)).errors[0].path).toBe("password");
    }
  });
});

describe("email verification", () => {
  it("is emailed at registration; the link works once; REQUIRE_EMAIL_VERIFICATION gates publishing and paying", async () => {
    const me = await signUp("landlord");
    const box = mailbox();
    const row = await findUser(d1(env), me.id);
    await account.sendVerification(box.deps, row!);
    expect(box.sent[0]).toMatchObject({ to: me.email, subject: expect.stringMatching(/Confirm your email/) });

    // Switched on, the unverified landlord cannot publish.
    const strict = mailbox({ REQUIRE_EMAIL_VERIFICATION: "true" } as Partial<Env>);
    await expect(
      account.requireVerifiedEmail(strict.deps, { id: me.id, role: "landlord" }, "publish a property"),
    ).rejects.toMatchObject({ code: "email_unverified", status: 409 });

    const token = box.tokenOf(me.email);
    const ok = await call("POST", "/v1/auth/verify-email", { body: { token } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).emailVerified).toBe(true);
    const again = await call("POST", "/v1/auth/verify-email", { body: { token } });
    expect(again.status).toBe(422);
    expect((await json(again)).code).toBe("invalid_token");
    await expect(
      account.requireVerifiedEmail(strict.deps, { id: me.id, role: "landlord" }, "publish a property"),
    ).resolves.toBeUndefined();
    const resend = await call("POST", "/v1/auth/verify-email/resend", { token: me.accessToken });
    expect(resend.status).toBe(409);
  });
});

describe("password reset", () => {
  it("answers 202 the same for unknown and known emails; the token works once, within 30 minutes, and signs every session out", async () => {
    const me = await signUp("tenant");
    const unknown = await call("POST", "/v1/auth/password-reset", {
      body: { email: `nobody-${crypto.randomUUID()}@example.com` },
      headers: { "cf-connecting-ip": uniqueIp() },
    });
    const known = await call("POST", "/v1/auth/password-reset", {
      body: { email: me.email },
      headers: { "cf-connecting-ip": uniqueIp() },
    });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(await unknown.text()).toBe(await known.text());

    const box = mailbox();
    await account.requestPasswordReset(box.deps, `nobody-${crypto.randomUUID()}@example.com`, uniqueIp());
    expect(box.sent).toEqual([]);
    await account.requestPasswordReset(box.deps, me.email, uniqueIp());
    const token = box.tokenOf(me.email);

    const weak = await call("POST", "/v1/auth/password-reset/confirm", { body: { token, newPassword: "password" } });
    expect(weak.status).toBe(422);
    const done = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token, newPassword: "a brand new long passphrase" },
    });
    expect(done.status).toBe(204);
    const replay = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token, newPassword: "another long passphrase" },
    });
    expect((await json(replay)).code).toBe("invalid_token");
    // Every session is gone: the old refresh token no longer works; the new password does.
    const refresh = await call("POST", "/v1/auth/refresh", { body: { refreshToken: me.refreshToken } });
    expect(refresh.status).toBe(401);
    expect((await login(me.email, me.password)).status).toBe(401);
    expect((await login(me.email, "a brand new long passphrase")).status).toBe(200);

    // An expired token is refused.
    await account.requestPasswordReset(box.deps, me.email, uniqueIp());
    const late = box.tokenOf(me.email);
    await env.DB.prepare(
      "UPDATE account_tokens SET expires_at = ? WHERE user_id = ? AND purpose = 'reset_password' AND used_at IS NULL",
    )
      .bind(new Date(Date.now() - 1000).toISOString(), me.id)
      .run();
    const expired = await call("POST", "/v1/auth/password-reset/confirm", {
      body: { token: late, newPassword: "yet another long passphrase" },
    });
    expect((await json(expired)).code).toBe("invalid_token");
  });
});

describe("password change, email change and sessions", () => {
  it("changes the password with the current one and signs only the other sessions out", async () => {
    const me = await signUp("tenant");
    const other = await json(await login(me.email, me.password));
    const wrong = await call("POST", "/v1/me/password", {
      token: me.accessToken,
      body: { currentPassword: "not it at all", newPassword: "a different passphrase" },
    });
    expect(wrong.status).toBe(403);
    const ok = await call("POST", "/v1/me/password", {
      token: me.accessToken,
      body: { currentPassword: me.password, newPassword: "a different passphrase" },
    });
    expect(ok.status).toBe(204);
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: other.refreshToken } })).status).toBe(401);
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: me.refreshToken } })).status).toBe(200);
  });

  it("lists sessions with where they came from, revokes one or all but this one; another user's is 404", async () => {
    const me = await signUp("tenant");
    const phone = await json(
      await call("POST", "/v1/auth/login", {
        body: { email: me.email, password: me.password },
        headers: { "user-agent": "RoomlinePhone/1.0", "cf-connecting-ip": uniqueIp() },
      }),
    );
    const laptop = await json(await login(me.email, me.password));
    const list = await json(await call("GET", "/v1/me/sessions", { token: me.accessToken }));
    expect(list.items).toHaveLength(3);
    expect(list.items.filter((s: any) => s.current)).toHaveLength(1);
    const phoneSession = list.items.find((s: any) => s.userAgent === "RoomlinePhone/1.0");
    expect(phoneSession).toBeDefined();

    const stranger = await signUp("tenant");
    expect((await call("DELETE", `/v1/me/sessions/${phoneSession.id}`, { token: stranger.accessToken })).status).toBe(
      404,
    );
    expect((await call("DELETE", `/v1/me/sessions/${phoneSession.id}`, { token: me.accessToken })).status).toBe(204);
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: phone.refreshToken } })).status).toBe(401);

    const rest = await json(await call("DELETE", "/v1/me/sessions", { token: me.accessToken }));
    expect(rest.revoked).toBe(1);
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: laptop.refreshToken } })).status).toBe(401);
    expect((await json(await call("GET", "/v1/me/sessions", { token: me.accessToken }))).items).toHaveLength(1);
  });

  it("moves the email only when the link sent to the new address is used, and tells the old one", async () => {
    const me = await signUp("tenant");
    const taken = await signUp("tenant");
    expect(
      (
        await call("POST", "/v1/me/email", {
          token: me.accessToken,
          body: { newEmail: taken.email, password: me.password },
        })
      ).status,
    ).toBe(409);
    const box = mailbox();
    const newEmail = `moved-${crypto.randomUUID()}@example.com`;
    await account.requestEmailChange(box.deps, { id: me.id, role: "tenant" }, { newEmail, password: me.password });
    expect(box.sent.map((m) => m.to).sort()).toEqual([me.email, newEmail].sort());
    expect((await user(me)).email).toBe(me.email);
    const done = await call("POST", "/v1/auth/confirm-email", { body: { token: box.tokenOf(newEmail) } });
    expect(done.status).toBe(200);
    expect(await user(me)).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await login(newEmail, me.password)).status).toBe(200);
  });
});

describe("two-factor sign-in", () => {
  const codeAt = async (secret: string, step: number) => hotp(base32Decode(secret), step);

  it("enrols with a current code, then asks for one at login; codes are not replayed; recovery codes work once; off with password and code", async () => {
    const me = await signUp("landlord");
    const start = await json(await call("POST", "/v1/me/mfa/totp", { token: me.accessToken }));
    expect(start.otpauthUri).toMatch(/^otpauth:\/\/totp\/Roomline%3A.+secret=/);
    const now = stepAt(Date.now());
    const wrong = await call("POST", "/v1/me/mfa/totp/confirm", { token: me.accessToken, body: { code: "000000" } });
    expect(wrong.status).toBe(422);
    const confirmed = await call("POST", "/v1/me/mfa/totp/confirm", {
      token: me.accessToken,
      body: { code: await codeAt(start.secret, now) },
    });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = await json(confirmed);
    expect(recoveryCodes).toHaveLength(10);
    expect((await user(me)).mfaEnabled).toBe(true);

    const step1 = await login(me.email, me.password);
    expect(step1.status).toBe(401);
    const problem = await json(step1);
    expect(problem.code).toBe("mfa_required");
    // The code just used for enrolment is spent: refused.
    const replayed = await call("POST", "/v1/auth/mfa", {
      body: { challenge: problem.challenge, code: await codeAt(start.secret, now) },
    });
    expect(replayed.status).toBe(401);
    const next = await call("POST", "/v1/auth/mfa", {
      body: { challenge: problem.challenge, code: await codeAt(start.secret, now + 1) },
    });
    expect(next.status).toBe(200);
    expect((await json(next)).accessToken).toEqual(expect.any(String));
    // The challenge is spent too.
    const twice = await call("POST", "/v1/auth/mfa", { body: { challenge: problem.challenge, code: "123456" } });
    expect(twice.status).toBe(401);

    // A recovery code, once.
    const again = await json(await login(me.email, me.password));
    const recovered = await call("POST", "/v1/auth/mfa", {
      body: { challenge: again.challenge, recoveryCode: recoveryCodes[0] },
    });
    expect(recovered.status).toBe(200);
    const third = await json(await login(me.email, me.password));
    expect(
      (await call("POST", "/v1/auth/mfa", { body: { challenge: third.challenge, recoveryCode: recoveryCodes[0] } }))
        .status,
    ).toBe(401);

    // Off: needs the password and a code.
    const noCode = await call("DELETE", "/v1/me/mfa", { token: me.accessToken, body: { password: me.password } });
    expect(noCode.status).toBe(403);
    const off = await call("DELETE", "/v1/me/mfa", {
      token: me.accessToken,
      body: { password: me.password, recoveryCode: recoveryCodes[1] },
    });
    expect(off.status).toBe(204);
    expect((await login(me.email, me.password)).status).toBe(200);
  });
});

describe("lockout", () => {
  it("slows an account's sign-ins after 10 failures in 15 minutes (across addresses), emails its owner once, and never locks it for good", async () => {
    const me = await signUp("tenant");
    // Cloudflare's per-address limiter is not what is under test here: it lets every attempt through.
    const box = mailbox({ LOGIN_LIMITER: { limit: async () => ({ success: true }) } } as unknown as Partial<Env>);
    const attempt = (password: string) =>
      identity.login(box.deps, { email: me.email, password }, uniqueIp()).then(
        () => "ok",
        (e: { code: string; extra?: { headers?: Record<string, string> } }) => e,
      );
    for (let i = 0; i < 10; i++)
      expect(await attempt("wrong password!")).toMatchObject({ code: "invalid_credentials" });
    expect(box.sent.filter((m) => /Failed sign-ins/.test(m.subject))).toHaveLength(1);
    // Slowed: even the right password waits, told how long.
    const slowed = await attempt(me.password);
    expect(slowed).toMatchObject({ code: "rate_limited" });
    expect(Number((slowed as any).extra.headers["retry-after"])).toBeGreaterThanOrEqual(1);

    // The wait ends (moved into the past, as time would), and the right password works and clears the count.
    await env.DB.prepare("UPDATE login_failures SET slowed_until = ? WHERE user_id = ?")
      .bind(new Date(Date.now() - 1).toISOString(), me.id)
      .run();
    expect(await attempt(me.password)).toBe("ok");
    expect(await env.DB.prepare("SELECT 1 FROM login_failures WHERE user_id = ?").bind(me.id).first()).toBeNull();

    // The delay doubles and is capped at 15 minutes.
    await env.DB.prepare(
      "INSERT INTO login_failures (user_id, failures, window_start) VALUES (?, 40, ?) ON CONFLICT (user_id) DO UPDATE SET failures = 40, window_start = excluded.window_start",
    )
      .bind(me.id, new Date().toISOString())
      .run();
    await attempt("wrong password!");
    const row = await env.DB.prepare("SELECT slowed_until FROM login_failures WHERE user_id = ?")
      .bind(me.id)
      .first<{ slowed_until: string }>();
    expect(Date.parse(row!.slowed_until) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(Date.parse(row!.slowed_until) - Date.now()).toBeGreaterThan(14 * 60_000);
  });
});

describe("export and closing", () => {
  it("exports the caller's own data, none of anyone else's, and no secrets", async () => {
    const { tenant, booking, property } = await stayed(1);
    const other = await stayed(1);
    await call("PUT", `/v1/me/favourites/${property.id}`, { token: tenant.accessToken });
    const res = await call("GET", "/v1/me/export", { token: tenant.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/attachment/);
    const doc = await json(res);
    expect(doc.profile).toMatchObject({ id: tenant.id, email: tenant.email });
    expect(doc.bookings.map((b: any) => b.id)).toEqual([booking.id]);
    expect(doc.favourites.map((f: any) => f.property_id)).toEqual([property.id]);
    expect(doc.sessions.length).toBeGreaterThan(0);
    const text = JSON.stringify(doc);
    expect(text).not.toContain(other.booking.id);
    expect(text).not.toContain(other.tenant.id);
    expect(text).not.toMatch(/pbkdf2_sha256|password_hash|token_hash/);
  });

  it("is refused while a lease is active; otherwise anonymises the account, which cannot sign in, and leaves the ledger as it was", async () => {
    const { tenant: leaseholder } = await leased({}, await signUp("tenant"));
    const refused = await call("DELETE", "/v1/me", {
      token: leaseholder.accessToken,
      body: { password: (leaseholder as TestUser).password },
    });
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ code: "account_has_obligations", activeLeases: 1 });

    const { tenant, booking, move } = await stayed(1);
    // While the stay is ahead, the booking is live: refused too.
    const live = await call("DELETE", "/v1/me", { token: tenant.accessToken, body: { password: tenant.password } });
    expect(await json(live)).toMatchObject({ code: "account_has_obligations", liveBookings: 1 });
    await move();
    const entries = () =>
      pgQuery<{ n: string; total: string }>(
        `SELECT count(*) AS n, coalesce(sum(e.amount), 0) AS total FROM ledger_entries e
         JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.reference LIKE $1`,
        [`%${booking.id}%`],
      );
    const before = await entries();
    expect(
      (await call("DELETE", "/v1/me", { token: tenant.accessToken, body: { password: "wrong one" } })).status,
    ).toBe(403);
    expect(
      (await call("DELETE", "/v1/me", { token: tenant.accessToken, body: { password: tenant.password } })).status,
    ).toBe(204);
    expect((await login(tenant.email, tenant.password)).status).toBe(401);
    // the token still in their hands stops working at once, not when it expires
    expect((await call("GET", "/v1/me", { token: tenant.accessToken })).status).toBe(401);
    const row = await env.DB.prepare("SELECT email, name, password_hash, deleted_at FROM users WHERE id = ?")
      .bind(tenant.id)
      .first<{ email: string; name: string; password_hash: string; deleted_at: string }>();
    expect(row).toMatchObject({ name: "Deleted user", password_hash: "!" });
    expect(row!.email).not.toContain(tenant.email.split("@")[0]);
    expect(row!.deleted_at).toBeTruthy();
    // The booking and the ledger stay as they were: accounting keeps its entries.
    expect(await env.DB.prepare("SELECT 1 FROM bookings WHERE id = ?").bind(booking.id).first()).not.toBeNull();
    expect(await entries()).toEqual(before);
    expect(Number(before[0]!.total)).toBe(0);
  });

  it("withdraws a closing tenant's open requests and the offers on them, releasing the landlords' contracts", async () => {
    const { landlord, room } = await listedLandlord();
    const tenant = await signUp("tenant");
    const request = await json(
      await call("POST", "/v1/rental-requests", { token: tenant.accessToken, body: fittingRequest() }),
    );
    const offer = await call("POST", `/v1/rental-requests/${request.id}/offers`, {
      token: landlord.accessToken,
      body: { roomId: room.id, price: { amount: 60000, currency: "EUR" } },
      headers: { "idempotency-key": crypto.randomUUID() },
    });
    expect(offer.status).toBe(201);
    expect((await env.LANDLORD_DESK.getByName(landlord.id).status()).reserved).toBe(1);
    const closed = await call("DELETE", "/v1/me", { token: tenant.accessToken, body: { password: tenant.password } });
    expect(closed.status).toBe(204);
    expect((await env.LANDLORD_DESK.getByName(landlord.id).status()).reserved).toBe(0);
    expect(
      (await json(await call("GET", `/v1/offers/${(await json(offer)).id}`, { token: landlord.accessToken }))).status,
    ).toBe("withdrawn");
  });
});

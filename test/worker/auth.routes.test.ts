import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { call, json, signUp, uniqueIp, withoutRequestId } from "./helpers";

const password = "correct horse battery staple";

/**
 * Sends `n` concurrent refreshes with one token, through a D1 that holds every refresh-token
 * INSERT until all the other requests have answered. That forces the worst interleaving: the
 * winner stores its rotated token only after the losers revoked the family.
 */
async function raceWithLateRotation(refreshToken: string, n: number): Promise<Response[]> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let waiting = 0;
  const settle = () => {
    if (++waiting === n) release();
  };
  const db = env.DB;
  const DB = {
    batch: db.batch.bind(db),
    exec: db.exec.bind(db),
    // requests read through a Sessions API session: this wrapper is its own session
    withSession: () => ({ ...DB, getBookmark: () => null }),
    prepare(query: string) {
      const stmt = db.prepare(query);
      if (!/^insert into "refresh_tokens"/i.test(query)) return stmt;
      return {
        bind: (...values: unknown[]) => ({
          run: async () => {
            settle();
            await gate;
            return stmt.bind(...values).run();
          },
        }),
      };
    },
  };
  const slowEnv = { ...env, DB } as unknown as Env;
  const request = () =>
    new Request("https://api.test/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken }),
    });
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await worker.fetch(request(), slowEnv, createExecutionContext());
      if (res.status !== 200) settle();
      return res;
    }),
  );
}

/** SHA-256 of `text` as lowercase hex, computed here rather than with the code under test. */
async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("POST /v1/auth/register", () => {
  it("creates an account and returns a session", async () => {
    const email = `new-${crypto.randomUUID()}@Example.com`;
    const res = await call("POST", "/v1/auth/register", { body: { email, password, name: "Ana", role: "tenant" } });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body.user).toMatchObject({ email: email.toLowerCase(), name: "Ana", role: "tenant" });
    expect(body.tokenType).toBe("Bearer");
    expect(body.expiresIn).toBe(900);
    expect(body.refreshToken).toMatch(/^rt_/);
    const stored = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(body.user.id)
      .first<{ password_hash: string }>();
    expect(stored?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$/);
    expect(stored?.password_hash).not.toContain(password);
  });

  it("stores the refresh token only as its SHA-256 hash", async () => {
    const user = await signUp();
    const { results } = await env.DB.prepare("select * from refresh_tokens where user_id = ?")
      .bind(user.id)
      .all<{ token_hash: string }>();
    expect(results).toHaveLength(1);
    expect(results[0]!.token_hash).toBe(await sha256(user.refreshToken));
    const secret = user.refreshToken.slice("rt_".length);
    expect(JSON.stringify(results)).not.toContain(secret);
  });

  it("answers 409 email_taken for a second account with the same email, in any case", async () => {
    const user = await signUp();
    const res = await call("POST", "/v1/auth/register", {
      body: { email: user.email.toUpperCase(), password, name: "Copy", role: "tenant" },
    });
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("email_taken");
  });

  it("refuses to let a client register as admin", async () => {
    const res = await call("POST", "/v1/auth/register", {
      body: { email: `a-${crypto.randomUUID()}@x.io`, password, name: "Eve", role: "admin" },
    });
    expect(res.status).toBe(422);
    expect((await json(res)).errors[0].path).toBe("role");
  });

  it("rate-limits registrations per IP with 429 and Retry-After", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await call("POST", "/v1/auth/register", {
        ip,
        body: { email: `rl-${crypto.randomUUID()}@x.io`, password, name: "R", role: "tenant" },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toBe("60");
        expect((await json(res)).code).toBe("rate_limited");
      }
    }
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it("rate-limits registrations per email even across IPs", async () => {
    const email = `rl-${crypto.randomUUID()}@x.io`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await call("POST", "/v1/auth/register", { body: { email, password, name: "R", role: "tenant" } })).status,
      );
    expect(statuses).toEqual([201, 409, 409, 409, 409, 429]);
  });
});

describe("POST /v1/auth/login", () => {
  it("signs in with the right password", async () => {
    const user = await signUp("landlord");
    const res = await call("POST", "/v1/auth/login", { body: { email: user.email, password } });
    expect(res.status).toBe(200);
    expect((await json(res)).user.role).toBe("landlord");
  });

  it("answers a wrong password and an unknown email identically", async () => {
    const user = await signUp();
    const wrong = await call("POST", "/v1/auth/login", { body: { email: user.email, password: "not the password" } });
    const unknown = await call("POST", "/v1/auth/login", {
      body: { email: `ghost-${crypto.randomUUID()}@x.io`, password },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(withoutRequestId(await json(wrong))).toEqual(withoutRequestId(await json(unknown)));
  });

  it("rate-limits per email even across IPs", async () => {
    const user = await signUp();
    expectLimitedAfterTen(
      await untilLimited(
        async () =>
          (await call("POST", "/v1/auth/login", { body: { email: user.email, password: "wrong password!" } })).status,
      ),
    );
  });

  it("rate-limits per IP even across emails", async () => {
    const ip = uniqueIp();
    expectLimitedAfterTen(
      await untilLimited(
        async () =>
          (await call("POST", "/v1/auth/login", { ip, body: { email: `ghost-${crypto.randomUUID()}@x.io`, password } }))
            .status,
      ),
    );
  });

  it("upgrades a hash made with weaker parameters on the next login", async () => {
    const user = await signUp();
    const { hashPassword } = await import("../../workers/domain/password");
    await env.DB.prepare("update users set password_hash = ? where id = ?")
      .bind(await hashPassword(password, 1000), user.id)
      .run();
    const res = await call("POST", "/v1/auth/login", { body: { email: user.email, password } });
    expect(res.status).toBe(200);
    const stored = await env.DB.prepare("select password_hash from users where id = ?")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(stored?.password_hash).toMatch(/^pbkdf2_sha256\$100000\$/);
  });
});

describe("POST /v1/auth/refresh", () => {
  it("rotates: the new token works, the old one is spent", async () => {
    const user = await signUp();
    const first = await call("POST", "/v1/auth/refresh", { body: { refreshToken: user.refreshToken } });
    expect(first.status).toBe(200);
    const next = await json(first);
    expect(next.refreshToken).not.toBe(user.refreshToken);
    const again = await call("POST", "/v1/auth/refresh", { body: { refreshToken: next.refreshToken } });
    expect(again.status).toBe(200);
  });

  it("revokes the whole family when a used token is presented again", async () => {
    const user = await signUp();
    const rotated = await json(await call("POST", "/v1/auth/refresh", { body: { refreshToken: user.refreshToken } }));
    const reuse = await call("POST", "/v1/auth/refresh", { body: { refreshToken: user.refreshToken } });
    expect(reuse.status).toBe(401);
    expect((await json(reuse)).code).toBe("invalid_refresh_token");
    const descendant = await call("POST", "/v1/auth/refresh", { body: { refreshToken: rotated.refreshToken } });
    expect(descendant.status).toBe(401);
  });

  it("lets exactly one of concurrent refreshes with one token win, then refuses the winner's new token too", async () => {
    const user = await signUp();
    const results = await raceWithLateRotation(user.refreshToken, 8);
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    // the losers saw a reused token and revoked the family before the winner's token was stored
    const { refreshToken } = await json(winners[0]!);
    const after = await call("POST", "/v1/auth/refresh", { body: { refreshToken } });
    expect(after.status).toBe(401);
    expect((await json(after)).code).toBe("invalid_refresh_token");
  });

  it("rejects an unknown token", async () => {
    const res = await call("POST", "/v1/auth/refresh", { body: { refreshToken: "rt_nope" } });
    expect(res.status).toBe(401);
  });
});

describe("POST /v1/auth/logout and GET /v1/me", () => {
  it("returns the caller, and logout revokes the refresh token", async () => {
    const user = await signUp("landlord");
    const me = await call("GET", "/v1/me", { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(await json(me)).toMatchObject({ id: user.id, email: user.email, role: "landlord" });
    const out = await call("POST", "/v1/auth/logout", {
      token: user.accessToken,
      body: { refreshToken: user.refreshToken },
    });
    expect(out.status).toBe(204);
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: user.refreshToken } })).status).toBe(401);
  });

  it("cannot revoke another user's session", async () => {
    const [alice, mallory] = [await signUp(), await signUp()];
    await call("POST", "/v1/auth/logout", { token: mallory.accessToken, body: { refreshToken: alice.refreshToken } });
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: alice.refreshToken } })).status).toBe(200);
  });

  it("requires a token", async () => {
    const res = await call("GET", "/v1/me");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });
});

describe("the web app's session mode (X-Roomline-Client: web)", () => {
  it("keeps the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to the auth routes, honoured only with the header", async () => {
    const me = await signUp("tenant");
    const web = { "x-roomline-client": "web", "cf-connecting-ip": uniqueIp() };
    const res = await call("POST", "/v1/auth/login", {
      body: { email: me.email, password: me.password },
      headers: web,
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.accessToken).toEqual(expect.any(String));
    expect(body.refreshToken).toBeUndefined();
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^rl_refresh=rt_/);
    for (const attr of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/v1/auth"]) expect(cookie).toContain(attr);
    const jar = cookie.split(";")[0]!;

    // The cookie alone, without the header (a cross-site request), is not a refresh token.
    const forged = await call("POST", "/v1/auth/refresh", { body: {}, headers: { cookie: jar } });
    expect(forged.status).toBe(422);
    const refreshed = await call("POST", "/v1/auth/refresh", { body: {}, headers: { ...web, cookie: jar } });
    expect(refreshed.status).toBe(200);
    expect((await json(refreshed)).refreshToken).toBeUndefined();
    const next = refreshed.headers.get("set-cookie")!.split(";")[0]!;
    expect(next).not.toBe(jar);

    // Logout through the cookie revokes the session and clears the cookie.
    const out = await call("POST", "/v1/auth/logout", {
      token: body.accessToken,
      body: {},
      headers: { ...web, cookie: next },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/rl_refresh=;/);
    expect((await call("POST", "/v1/auth/refresh", { body: {}, headers: { ...web, cookie: next } })).status).toBe(401);

    // Without the header, the JSON mode is unchanged.
    const mobile = await json(
      await call("POST", "/v1/auth/login", {
        body: { email: me.email, password: me.password },
        headers: { "cf-connecting-ip": uniqueIp() },
      }),
    );
    expect(mobile.refreshToken).toMatch(/^rt_/);
  });
});

/** Attempts until the first 429, at most 21: the limiter counts 10 a minute in fixed windows. */
async function untilLimited(attempt: () => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  while (statuses.length < 21 && statuses.at(-1) !== 429) statuses.push(await attempt());
  return statuses;
}

/**
 * The 11th attempt of a window is refused. A slow run may cross into the next one-minute window
 * mid-way, so 10 to 20 refusals for the wrong password come before the first 429, never fewer.
 */
function expectLimitedAfterTen(statuses: number[]): void {
  expect(statuses.at(-1), JSON.stringify(statuses)).toBe(429);
  const before = statuses.slice(0, -1);
  expect(
    before.every((s) => s === 401),
    JSON.stringify(statuses),
  ).toBe(true);
  expect(before.length).toBeGreaterThanOrEqual(10);
}

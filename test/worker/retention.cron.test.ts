import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import worker from "../../workers/index";
import { call, json, mintTenant, signUp, tokenFor } from "./helpers";
import { insertLease } from "./pg";

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const DAY = 24 * 3_600_000;

async function fiveMinuteCron() {
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
    env,
    createExecutionContext(),
  );
}

const exists = async (sql: string, ...binds: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...binds)
    .first()) !== null;

describe("retention (five-minute cron)", () => {
  it("purges socket tickets once they expire, used or not, and keeps live ones", async () => {
    const row = (hash: string, expiresAt: string, usedAt: string | null) =>
      env.DB.prepare(
        "insert into socket_tickets (token_hash, user_id, role, scope, room_id, expires_at, used_at) values (?, 'usr_x', 'tenant', 'inbox', null, ?, ?)",
      ).bind(hash, expiresAt, usedAt);
    const [expiredUnused, expiredUsed, live] = [1, 2, 3].map(() => crypto.randomUUID());
    await env.DB.batch([
      row(expiredUnused!, ago(60_000), null),
      row(expiredUsed!, ago(60_000), ago(90_000)),
      row(live!, new Date(Date.now() + 60_000).toISOString(), null),
    ]);
    await fiveMinuteCron();
    const left = async (hash: string) => exists("select 1 from socket_tickets where token_hash = ?", hash);
    expect([await left(expiredUnused!), await left(expiredUsed!), await left(live!)]).toEqual([false, false, true]);
  });

  it("purges processed event ids after 30 days, sent outbox rows after 7, idempotency keys after 24 hours, and expired refresh tokens", async () => {
    const id = () => `evt_${crypto.randomUUID().replaceAll("-", "")}`;
    const [oldEvent, newEvent] = [id(), id()];
    await env.DB.prepare(
      "insert into processed_events (event_id, type, status, created_at) values (?, 'listing.changed', 'done', ?), (?, 'listing.changed', 'done', ?)",
    )
      .bind(oldEvent, ago(31 * DAY), newEvent, ago(DAY))
      .run();

    const payload = (eventId: string) =>
      JSON.stringify({
        id: eventId,
        type: "listing.changed",
        occurredAt: ago(8 * DAY),
        data: { propertyId: "prop_gone", reason: "created" },
      });
    const [sentLongAgo, sentYesterday, neverSent] = [id(), id(), id()];
    await env.DB.prepare(
      "insert into outbox (id, type, payload, created_at, sent_at) values (?, 'listing.changed', ?, ?, ?), (?, 'listing.changed', ?, ?, ?), (?, 'listing.changed', ?, ?, null)",
    )
      .bind(
        sentLongAgo,
        payload(sentLongAgo),
        ago(8 * DAY),
        ago(8 * DAY),
        sentYesterday,
        payload(sentYesterday),
        ago(DAY),
        ago(DAY),
        neverSent,
        payload(neverSent),
        ago(8 * DAY),
      )
      .run();

    await env.DB.prepare(
      "insert into idempotency_keys (scope, key, request_hash, resource_id, status, created_at, updated_at) values ('usr_x', 'old-key-1', 'h', 'pay_1', 'done', ?, ?), ('usr_x', 'new-key-1', 'h', 'pay_2', 'done', ?, ?)",
    )
      .bind(ago(25 * 3_600_000), ago(25 * 3_600_000), ago(3_600_000), ago(3_600_000))
      .run();

    // A user whose sign-in family has a live token and spent, revoked and lapsed ones; and a family that only has lapsed ones.
    const user = await signUp("tenant");
    const { familyId } = (await env.DB.prepare("select family_id as familyId from refresh_tokens where user_id = ?")
      .bind(user.id)
      .first<{ familyId: string }>())!;
    const token = (
      tokenId: string,
      family: string,
      expiresAt: string,
      extra: { used?: string; revoked?: string } = {},
    ) =>
      env.DB.prepare(
        "insert into refresh_tokens (id, family_id, user_id, token_hash, expires_at, used_at, revoked_at) values (?, ?, ?, ?, ?, ?, ?)",
      ).bind(tokenId, family, user.id, crypto.randomUUID(), expiresAt, extra.used ?? null, extra.revoked ?? null);
    await env.DB.prepare("insert into refresh_token_families (id, user_id) values ('fam_lapsed', ?)")
      .bind(user.id)
      .run();
    await env.DB.batch([
      token("rtk_spent", familyId, ago(DAY), { used: ago(2 * DAY) }),
      token("rtk_revoked", familyId, ago(DAY), { revoked: ago(2 * DAY) }),
      token("rtk_lapsed", "fam_lapsed", ago(1000)),
      token("rtk_unexpired_spent", familyId, ago(-DAY), { used: ago(DAY) }),
    ]);
    const accountToken = (id: string, expiresAt: string) =>
      env.DB.prepare(
        "insert into account_tokens (id, user_id, purpose, token_hash, expires_at) values (?, ?, 'reset_password', ?, ?)",
      ).bind(id, user.id, crypto.randomUUID(), expiresAt);
    await env.DB.batch([accountToken("atk_expired", ago(1000)), accountToken("atk_live", ago(-DAY))]);

    await fiveMinuteCron();

    expect([
      await exists("select 1 from processed_events where event_id = ?", oldEvent),
      await exists("select 1 from processed_events where event_id = ?", newEvent),
    ]).toEqual([false, true]);
    const outboxRow = (eventId: string) => exists("select 1 from outbox where id = ?", eventId);
    expect([await outboxRow(sentLongAgo), await outboxRow(sentYesterday), await outboxRow(neverSent)]).toEqual([
      false,
      true,
      true,
    ]);
    const key = (k: string) => exists("select 1 from idempotency_keys where key = ?", k);
    expect([await key("old-key-1"), await key("new-key-1")]).toEqual([false, true]);
    const tokens = (
      await env.DB.prepare("select id from refresh_tokens where user_id = ?").bind(user.id).all<{ id: string }>()
    ).results.map((t) => t.id);
    expect(tokens).toHaveLength(2); // the live one from sign-in, and the spent one not yet expired
    expect(tokens).toContain("rtk_unexpired_spent");
    expect([
      await exists("select 1 from refresh_token_families where id = ?", familyId),
      await exists("select 1 from refresh_token_families where id = 'fam_lapsed'"),
    ]).toEqual([true, false]);
    expect([
      await exists("select 1 from account_tokens where id = 'atk_expired'"),
      await exists("select 1 from account_tokens where id = 'atk_live'"),
    ]).toEqual([false, true]);
    // the live token still works
    expect((await call("POST", "/v1/auth/refresh", { body: { refreshToken: user.refreshToken } })).status).toBe(200);
  });
});

describe("HTTP idempotency keys live 24 hours", () => {
  it("treats a key older than 24 hours as new, and one younger as the same request", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const lease = await insertLease({
      startDate: "2027-01-10",
      billingDay: 10,
      tenantId,
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 },
    });
    await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId: lease.id });
    const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
    const key = `pay-${crypto.randomUUID()}`;
    const pay = (amount: number) =>
      call("POST", `/v1/invoices/${invoice.id}/payments`, {
        token,
        body: { amount: { amount, currency: "EUR" }, paymentMethod: "pm_card_visa" },
        headers: { "idempotency-key": key },
      });
    const first = await pay(10_000);
    expect(first.status).toBe(201);
    const firstPayment = (await json(first)).paymentId;
    expect((await pay(20_000)).status).toBe(422); // same key, another body, within the day: refused
    await env.DB.prepare("update idempotency_keys set created_at = ? where key = ?")
      .bind(ago(25 * 3_600_000), key)
      .run();
    const again = await pay(20_000);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(again)).paymentId).not.toBe(firstPayment); // a second payment, not the first one replayed
    expect((await pay(20_000)).headers.get("idempotent-replayed")).toBe("true"); // the renewed key replays for its own day
  });
});

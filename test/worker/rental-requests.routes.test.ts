import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import worker from "../../workers/index";
import { poolQuery } from "../../workers/data/request-pool";
import {
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  listedLandlord,
  mintTenant,
  signUp,
  fittingRequest,
} from "./helpers";

async function post(token: string, body: unknown) {
  return call("POST", "/v1/rental-requests", { token, body });
}

async function poolOf(token: string): Promise<any> {
  const res = await call("GET", "/v1/landlords/me/request-pool?limit=100", { token });
  expect(res.status).toBe(200);
  return json(res);
}

describe("rental requests", () => {
  it("are validated: the stay's unit matches the mode, the move-in is not past", async () => {
    const tenant = await signUp("tenant");
    for (const [body, path] of [
      [fittingRequest({ months: undefined }), "months"],
      [fittingRequest({ rentalMode: "nightly", months: 2 }), "nights"],
      [fittingRequest({ moveIn: inDays(-1) }), "moveIn"],
      [fittingRequest({ radiusKm: 500 }), "radiusKm"],
    ] as const) {
      const res = await post(tenant.accessToken, body);
      expect(res.status).toBe(422);
      expect((await json(res)).errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const created = await post(tenant.accessToken, fittingRequest());
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(body).toMatchObject({ status: "open", moveIn: inDays(40), months: 2, units: 1 });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
    const landlord = await signUp("landlord");
    expect((await post(landlord.accessToken, fittingRequest())).status).toBe(403);
  });

  it("are at most five open per tenant, however many are posted at once", async () => {
    const tenant = await signUp("tenant");
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(tenant.accessToken, fittingRequest())));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 409, 409, 409]);
    const refused = await json(answers.find((r) => r.status === 409)!);
    expect(refused.code).toBe("too_many_open_requests");
    const mine = await json(await call("GET", "/v1/rental-requests", { token: tenant.accessToken }));
    expect(mine.items).toHaveLength(5);
    // Withdrawing one makes room for another.
    const withdrawn = await call("POST", `/v1/rental-requests/${mine.items[0].id}/withdraw`, {
      token: tenant.accessToken,
    });
    expect((await json(withdrawn)).status).toBe("withdrawn");
    expect((await post(tenant.accessToken, fittingRequest())).status).toBe(201);
  });
});

describe("the request pool", () => {
  it("lists only requests one of the landlord's rooms fits, on every criterion", async () => {
    const { landlord, room } = await listedLandlord({ minNights: 30, maxNights: 120 });
    const tenant = await signUp("tenant");
    const make = async (over: Record<string, unknown>) =>
      (await json(await post(tenant.accessToken, fittingRequest(over)))).id;
    const fits = await make({});
    const misses = {
      tooFar: await make({ location: { lat: 38.9, lng: -9.14 } }),
      otherCurrency: await make({ budget: { amount: 70000, currency: "GBP" } }),
      otherMode: await make({ rentalMode: "nightly", months: undefined, nights: 5 }),
      overBudget: await make({ budget: { amount: 60000, currency: "EUR" } }),
      tooMany: await make({ units: 3, budget: { amount: 300000, currency: "EUR" } }),
      tooLong: await make({ months: 6 }),
    };
    // Both units of the room taken on the nights of another request.
    const taken = inDays(100);
    const booked = await json(
      await post((await signUp("tenant")).accessToken, fittingRequest({ moveIn: taken, months: 1 })),
    );
    await bookHeld((await mintTenant()).accessToken, {
      roomId: room.id,
      startDate: inDays(100),
      endDate: inDays(200),
      units: 2,
    });
    await eventually(async () =>
      (await env.DB.prepare("SELECT 1 FROM room_nights WHERE room_id = ?").bind(room.id).first()) ? true : undefined,
    );

    const pool = await poolOf(landlord.accessToken);
    const ids = pool.items.map((i: any) => i.request.id);
    expect(pool.available).toBe(true);
    expect(ids).toContain(fits);
    for (const [why, id] of Object.entries(misses)) expect(ids, why).not.toContain(id);
    expect(ids, "nights taken").not.toContain(booked.id);
    const item = pool.items.find((i: any) => i.request.id === fits);
    expect(item.roomIds).toEqual([room.id]);
    expect(item.matchScore).toBeGreaterThan(0);
    expect(item.matchScore).toBeLessThanOrEqual(100);
    expect(item.matchReason).toMatch(/^1 room fits: .+ km away/);

    // The request is visible to that landlord, not to another, nor to another tenant.
    expect((await call("GET", `/v1/rental-requests/${fits}`, { token: landlord.accessToken })).status).toBe(200);
    const stranger = await signUp("landlord");
    expect((await call("GET", `/v1/rental-requests/${fits}`, { token: stranger.accessToken })).status).toBe(404);
    const other = await signUp("tenant");
    expect((await call("GET", `/v1/rental-requests/${fits}`, { token: other.accessToken })).status).toBe(404);
    expect((await call("POST", `/v1/rental-requests/${fits}/withdraw`, { token: other.accessToken })).status).toBe(404);

    // Withdrawn, it leaves the pool.
    await call("POST", `/v1/rental-requests/${fits}/withdraw`, { token: tenant.accessToken });
    expect((await poolOf(landlord.accessToken)).items.map((i: any) => i.request.id)).not.toContain(fits);
  });

  it("is empty, and says why, while the landlord's desk is full", async () => {
    const { landlord } = await listedLandlord();
    const tenant = await signUp("tenant");
    const id = (await json(await post(tenant.accessToken, fittingRequest()))).id;
    expect((await poolOf(landlord.accessToken)).items.map((i: any) => i.request.id)).toContain(id);
    const open = await json(await call("GET", `/v1/landlords/${landlord.id}/profile`));
    expect(open).toMatchObject({ id: landlord.id, score: 70, available: true, listedRooms: 1, rating: null });
    await call("PUT", "/v1/landlords/me/capacity", { token: landlord.accessToken, body: { totalCapacity: 0 } });
    const closed = await json(await call("GET", `/v1/landlords/${landlord.id}/profile`));
    expect(closed).toMatchObject({ score: 50, available: false });
    expect((await call("GET", `/v1/landlords/${tenant.id}/profile`)).status).toBe(404);
    const full = await poolOf(landlord.accessToken);
    expect(full).toMatchObject({ available: false, items: [] });
    expect(full.reason).toMatch(/contracts are taken/);
    expect((await call("GET", `/v1/rental-requests/${id}`, { token: landlord.accessToken })).status).toBe(404);
  });

  it("ranks a nearer, cheaper fit above a farther one at the budget, and pages without repeats", async () => {
    const { landlord } = await listedLandlord();
    const tenant = await signUp("tenant");
    const near = (
      await json(await post(tenant.accessToken, fittingRequest({ budget: { amount: 130000, currency: "EUR" } })))
    ).id;
    const far = (
      await json(
        await post(
          tenant.accessToken,
          fittingRequest({ location: { lat: 38.75, lng: -9.14 }, budget: { amount: 65000, currency: "EUR" } }),
        ),
      )
    ).id;
    const pool = await poolOf(landlord.accessToken);
    const score = (id: string) => pool.items.find((i: any) => i.request.id === id).matchScore;
    expect(score(near)).toBeGreaterThan(score(far));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(
        await call("GET", `/v1/landlords/me/request-pool?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
          token: landlord.accessToken,
        }),
      );
      seen.push(...page.items.map((i: any) => i.request.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(pool.items.map((i: any) => i.request.id));
  });

  it("reaches requests through the pool index from the landlord's rooms, never reading every open request (EXPLAIN QUERY PLAN)", async () => {
    for (const only of [undefined, "rrq_0mh2e3a1c9d4f7k2b"]) {
      const { sql, params } = new SQLiteSyncDialect().sqlToQuery(
        poolQuery("usr_0mh0a1b2c3d4e5f6g", new Date().toISOString(), only),
      );
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const details = plan.results.map((r) => r.detail);
      const reads = details.filter((d) => /\b(r|rental_requests)\b/.test(d) && /^(SCAN|SEARCH)/.test(d));
      expect(reads.length, JSON.stringify(details)).toBeGreaterThan(0);
      for (const d of reads)
        expect(d, JSON.stringify(details)).toMatch(
          /USING INDEX rental_requests_pool|PRIMARY KEY|sqlite_autoindex_rental_requests/,
        );
      expect(
        details.some((d) => d.includes("listings_owner")),
        JSON.stringify(details),
      ).toBe(true);
    }
  });

  it("expires open requests past their time by the hourly cron, once", async () => {
    const tenant = await signUp("tenant");
    const id = (await json(await post(tenant.accessToken, fittingRequest()))).id;
    await env.DB.prepare("UPDATE rental_requests SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), id)
      .run();
    const hourly = () =>
      worker.scheduled(
        createScheduledController({ cron: "0 * * * *", scheduledTime: Date.now() }),
        env,
        createExecutionContext(),
      );
    await hourly();
    const after = await json(await call("GET", `/v1/rental-requests/${id}`, { token: tenant.accessToken }));
    expect(after.status).toBe("expired");
    const { updated_at: first } = (await env.DB.prepare("SELECT updated_at FROM rental_requests WHERE id = ?")
      .bind(id)
      .first<{ updated_at: string }>())!;
    await hourly();
    const { updated_at: second } = (await env.DB.prepare("SELECT updated_at FROM rental_requests WHERE id = ?")
      .bind(id)
      .first<{ updated_at: string }>())!;
    expect(second).toBe(first);
  });
});

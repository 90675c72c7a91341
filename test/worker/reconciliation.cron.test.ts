import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeDeps } from "../../workers/deps";
import { accountId } from "../../workers/domain/ledger";
import { consumeEvents } from "../../workers/events/consumer";
import worker from "../../workers/index";
import { reconcilePayments } from "../../workers/services/reconciliation";
import { bookHeld, call, eventually, inDays, json, landlordWithRoom, mintTenant } from "./helpers";
import { balance, pgQuery } from "./pg";
import { customerPays, deliver, stripeEvent, stripeGet, stripePost } from "./stripe";

afterEach(() => vi.restoreAllMocks());

/**
 * The clock reconciliation runs on in these tests: past the 2 minutes it leaves fresh PaymentIntents
 * to their webhooks. The D1 read model (this file's own) is aged by backdating its rows; Postgres and
 * the Stripe fake are shared with the other test files, so their clock is not moved far.
 */
const soon = () => new Date(Date.now() + 3 * 60_000);

/** The five-minute cron, as Cloudflare runs it. */
async function fiveMinuteCron(at = soon()) {
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: at.getTime() }),
    env,
    createExecutionContext(),
  );
}

const message = (body: unknown, attempts = 1) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body });

const stay = (roomId: string, from: number) => ({
  roomId,
  startDate: inDays(from),
  endDate: inDays(from + 150),
  units: 1,
});

/** A hold with its PaymentIntent, once the read model has both, aged past the 5 minutes after which reconciliation looks at it. */
async function agedHold(roomId: string, from = 20) {
  const tenant = await mintTenant();
  const booking = await bookHeld(tenant.accessToken, stay(roomId, from));
  await eventually(async () => ((await readModel(booking.id))?.payment_intent_id ? true : undefined));
  await env.DB.prepare("update bookings set created_at = ? where id = ?")
    .bind(new Date(Date.now() - 10 * 60_000).toISOString(), booking.id)
    .run();
  return { tenant, booking, paymentIntentId: booking.payment.paymentIntentId as string };
}

function readModel(bookingId: string) {
  return env.DB.prepare("select status, refunded_amount, payment_intent_id from bookings where id = ?")
    .bind(bookingId)
    .first<{ status: string; refunded_amount: number; payment_intent_id: string | null }>();
}

async function statusOf(bookingId: string, want: string, ms = 15_000) {
  return eventually(async () => ((await readModel(bookingId))?.status === want ? want : undefined), ms);
}

/** The calendar lets the hold's time run out (its alarm expires it and announces it). */
async function expireHold(roomId: string, bookingId: string) {
  const calendar = env.ROOM_CALENDAR.getByName(roomId);
  await runInDurableObject(calendar, (_i, state) => {
    state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, bookingId);
  });
  await runDurableObjectAlarm(calendar);
}

async function refundsOf(
  paymentIntentId: string,
): Promise<{ amount: number; status: string; metadata: Record<string, string> }[]> {
  return (await stripeGet(`/v1/refunds?payment_intent=${paymentIntentId}&limit=100`)).data;
}

async function amountRefunded(paymentIntentId: string): Promise<number> {
  const pi = await stripeGet(`/v1/payment_intents/${paymentIntentId}`);
  return (await stripeGet(`/v1/charges/${pi.latest_charge}`)).amount_refunded;
}

const leasesOf = (bookingIds: string[]) =>
  pgQuery<{ id: string; booking_id: string }>(
    "select id, booking_id from leases where booking_id = any($1) order by booking_id",
    [bookingIds],
  );

describe("payment reconciliation (five-minute cron)", () => {
  it("confirms a paid hold whose payment_intent.succeeded never arrived, once however often it runs", async () => {
    const { room } = await landlordWithRoom();
    const { booking, paymentIntentId } = await agedHold(room.id);
    await customerPays(paymentIntentId); // paid at Stripe; the webhook is lost
    await fiveMinuteCron();
    expect((await env.ROOM_CALENDAR.getByName(room.id).getHold(booking.id))?.status).toBe("confirmed");
    await statusOf(booking.id, "confirmed");
    const [lease] = await eventually(async () => {
      const l = await leasesOf([booking.id]);
      return l.length ? l : undefined;
    });
    await Promise.all([fiveMinuteCron(), fiveMinuteCron()]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await leasesOf([booking.id])).toHaveLength(1);
    expect(await refundsOf(paymentIntentId)).toEqual([]);
    expect(await balance(accountId("tenant_receivable", { leaseId: lease!.id, currency: "EUR" }))).toBe(0);
    expect(await balance(accountId("deposits_held", { leaseId: lease!.id, currency: "EUR" }))).toBe(-65000);
  });

  it("refunds in full a payment for a hold that expired meanwhile (expiry leaves a succeeded PaymentIntent alone)", async () => {
    const { room } = await landlordWithRoom();
    const { booking, paymentIntentId } = await agedHold(room.id);
    await customerPays(paymentIntentId);
    await expireHold(room.id, booking.id);
    await statusOf(booking.id, "expired");
    expect(await amountRefunded(paymentIntentId)).toBe(0);
    await fiveMinuteCron();
    expect(await amountRefunded(paymentIntentId)).toBe(130000);
    await eventually(async () => ((await readModel(booking.id))?.refunded_amount === 130000 ? true : undefined));
    await fiveMinuteCron();
    expect((await refundsOf(paymentIntentId)).map((r) => [r.amount, r.metadata.purpose])).toEqual([[130000, "late"]]);
    expect(await leasesOf([booking.id])).toEqual([]);
  });

  it("refunds a payment that arrived after the tenant cancelled the hold", async () => {
    const { room } = await landlordWithRoom();
    const { tenant, booking, paymentIntentId } = await agedHold(room.id);
    await customerPays(paymentIntentId);
    expect((await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
    await fiveMinuteCron();
    expect(await amountRefunded(paymentIntentId)).toBe(130000);
  });

  it("releases a hold whose card was declined while the webhook was lost", async () => {
    const { room } = await landlordWithRoom({ capacity: 1 });
    const { booking, paymentIntentId } = await agedHold(room.id);
    await customerPays(paymentIntentId, "fail");
    await fiveMinuteCron();
    expect((await env.ROOM_CALENDAR.getByName(room.id).getHold(booking.id))?.status).toBe("payment_failed");
    await statusOf(booking.id, "payment_failed");
    const days = await json(await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(20)}&to=${inDays(22)}`));
    expect(days.days.map((d: { units: number }) => d.units)).toEqual([1, 1]);
  });

  it("confirms a paid booking the read model never heard of, found in Stripe's list of PaymentIntents", async () => {
    const { room } = await landlordWithRoom();
    const { booking, paymentIntentId } = await agedHold(room.id);
    await env.DB.prepare("delete from bookings where id = ?").bind(booking.id).run(); // its held event was lost
    await customerPays(paymentIntentId);
    const report = await reconcilePayments(makeDeps(env), soon());
    expect(report.paymentIntents.checked).toBeGreaterThanOrEqual(1);
    expect((await env.ROOM_CALENDAR.getByName(room.id).getHold(booking.id))?.status).toBe("confirmed");
    await statusOf(booking.id, "confirmed");
    expect(await refundsOf(paymentIntentId)).toEqual([]);
  });

  it("hands a Stripe event recorded but never applied back to the queue, and closes one applied but never marked", async () => {
    const { room } = await landlordWithRoom();
    const { booking, paymentIntentId } = await agedHold(room.id);
    await customerPays(paymentIntentId);
    const lost = await stripeEvent("payment_intent.succeeded", paymentIntentId);
    vi.spyOn(env.EVENTS, "send").mockResolvedValue(undefined as never); // the queue said yes, and lost it
    expect((await deliver(lost)).status).toBe(200);
    vi.restoreAllMocks();
    const applied = {
      id: `evt_applied${crypto.randomUUID().replaceAll("-", "")}`,
      type: "payment_intent.succeeded",
      created: 0,
      data: { object: { id: paymentIntentId, object: "payment_intent" } },
    };
    await pgQuery("insert into stripe_events (id, type, payload) values ($1, $2, $3)", [
      applied.id,
      applied.type,
      JSON.stringify(applied),
    ]);
    await env.DB.prepare(
      "insert into processed_events (event_id, type, status) values (?, 'stripe.event_received', 'done')",
    )
      .bind(applied.id)
      .run();
    await pgQuery("update stripe_events set received_at = now() - interval '15 minutes' where id = any($1)", [
      [lost.id, applied.id],
    ]);

    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch");
    const report = await reconcilePayments(makeDeps(env), soon());
    expect(report.stripeEvents.requeued).toBeGreaterThanOrEqual(1);
    expect(report.stripeEvents.closed).toBeGreaterThanOrEqual(1);
    const requeued = sendBatch.mock.calls.flatMap(([batch]) => [...batch].map((m) => (m.body as { id: string }).id));
    expect(requeued).toContain(lost.id);
    expect(requeued).not.toContain(applied.id);
    const processed = (id: string) =>
      pgQuery("select 1 from stripe_events where id = $1 and processed_at is not null", [id]);
    expect(await processed(applied.id)).toHaveLength(1);
    await eventually(async () => ((await processed(lost.id)).length ? true : undefined), 15_000);
    await statusOf(booking.id, "confirmed");
  });

  it("leaves alone a succeeded PaymentIntent whose booking neither the read model nor its calendar knows", async () => {
    const { room, landlord } = await landlordWithRoom();
    const created = await stripePost("/v1/payment_intents", {
      amount: "5000",
      currency: "eur",
      "metadata[bookingId]": `bkg_elsewhere${crypto.randomUUID().slice(0, 8)}`,
      "metadata[roomId]": room.id,
      "metadata[landlordId]": landlord.id,
    });
    const pi = await created.json<{ id: string }>();
    await customerPays(pi.id);
    const report = await reconcilePayments(makeDeps(env), soon());
    expect(report.outcomes.unknown).toBeGreaterThanOrEqual(1);
    expect(await amountRefunded(pi.id)).toBe(0);
  });
});

describe("fault injection: the queue's consumer is down longer than its retry budget while tenants pay", () => {
  it(
    "confirms or refunds every paid hold once the outage is over; the ledger balances and nothing is charged or refunded twice",
    { timeout: 90_000 },
    async () => {
      const { room } = await landlordWithRoom({ capacity: 5 });
      const [a, b, late, cancelled, declined] = await Promise.all(
        [20, 21, 22, 23, 24].map((from) => agedHold(room.id, from)),
      );
      for (const hold of [a!, b!, late!, cancelled!]) await customerPays(hold.paymentIntentId);
      await customerPays(declined!.paymentIntentId, "fail");
      // While it is paid, one hold runs out of time and one tenant cancels: both payments must come back.
      await expireHold(room.id, late!.booking.id);
      await statusOf(late!.booking.id, "expired");
      expect(
        (await call("POST", `/v1/bookings/${cancelled!.booking.id}/cancel`, { token: cancelled!.tenant.accessToken }))
          .status,
      ).toBe(200);

      // Stripe's webhooks arrive and are accepted (200: Stripe will not send them again)...
      const accepted: unknown[] = [];
      vi.spyOn(env.EVENTS, "send").mockImplementation(async (body) => {
        accepted.push(body);
        return undefined as never;
      });
      const webhooks = await Promise.all([
        ...[a!, b!, late!, cancelled!].map((h) => stripeEvent("payment_intent.succeeded", h.paymentIntentId)),
        stripeEvent("payment_intent.payment_failed", declined!.paymentIntentId),
      ]);
      for (const event of webhooks) expect((await deliver(event)).status).toBe(200);
      expect(accepted).toHaveLength(5);
      // ...but every delivery fails: the room calendars are unreachable for all 6 deliveries (max_retries 5).
      const outage = {
        ...env,
        ROOM_CALENDAR: {
          getByName: () => {
            throw new Error("RoomCalendar unreachable (simulated outage)");
          },
        },
      } as unknown as Env;
      for (let attempt = 1; attempt <= 6; attempt++) {
        const batch = createMessageBatch(
          "roomline-events",
          accepted.map((body) => message(body, attempt)),
        );
        await consumeEvents(batch, outage);
        expect((await getQueueResult(batch, createExecutionContext())).retryMessages).toHaveLength(5);
      }
      // The queue gives up: the dead-letter consumer keeps them and schedules their replays, which have not come yet.
      const replays: { body: unknown; delaySeconds?: number }[] = [];
      vi.spyOn(env.EVENTS, "send").mockImplementation(async (body, opts) => {
        replays.push({ body, delaySeconds: opts?.delaySeconds });
        return undefined as never;
      });
      await worker.queue(
        createMessageBatch(
          "roomline-events-dlq",
          accepted.map((body) => message(body, 6)),
        ),
        env,
        createExecutionContext(),
      );
      expect(replays.map((r) => r.delaySeconds)).toEqual([300, 300, 300, 300, 300]);
      const stored = await env.DB.prepare(
        "select count(*) as n from dead_letters where event_type = 'stripe.event_received'",
      ).first<{ n: number }>();
      expect(stored?.n).toBe(5);
      expect((await env.ROOM_CALENDAR.getByName(room.id).getHold(a!.booking.id))?.status).toBe("held");
      expect(await amountRefunded(late!.paymentIntentId)).toBe(0);
      vi.restoreAllMocks();

      // The outage is over; the events were received more than 10 minutes ago. Reconciliation runs.
      const ids = (webhooks as { id: string }[]).map((e) => e.id);
      await pgQuery("update stripe_events set received_at = now() - interval '15 minutes' where id = any($1)", [ids]);
      await fiveMinuteCron();

      await Promise.all([
        statusOf(a!.booking.id, "confirmed"),
        statusOf(b!.booking.id, "confirmed"),
        statusOf(declined!.booking.id, "payment_failed"),
      ]);
      const leases = await eventually(async () => {
        const l = await leasesOf([a!.booking.id, b!.booking.id]);
        return l.length === 2 ? l : undefined;
      });
      await eventually(
        async () =>
          (await pgQuery("select 1 from stripe_events where id = any($1) and processed_at is null", [ids])).length === 0
            ? true
            : undefined,
        20_000,
      );

      // Run again (twice at once), and let the replays the dead-letter queue scheduled arrive late: nothing changes.
      await Promise.all([fiveMinuteCron(), fiveMinuteCron()]);
      await consumeEvents(
        createMessageBatch(
          "roomline-events",
          replays.map((r) => message(r.body)),
        ),
        env,
      );
      await new Promise((r) => setTimeout(r, 1500));

      const paid = [a!, b!, late!, cancelled!];
      for (const hold of paid) {
        const pi = await stripeGet(`/v1/payment_intents/${hold.paymentIntentId}`);
        expect([pi.status, pi.amount_received]).toEqual(["succeeded", 130000]);
        const holdStatus = (await env.ROOM_CALENDAR.getByName(room.id).getHold(hold.booking.id))?.status;
        const refunded = await amountRefunded(hold.paymentIntentId);
        // every paid hold is confirmed (nothing refunded) or ended (refunded in full, by one refund)
        if (hold === a || hold === b) expect([holdStatus, refunded]).toEqual(["confirmed", 0]);
        else {
          expect([holdStatus, refunded]).toEqual([hold === late ? "expired" : "cancelled", 130000]);
          expect(await refundsOf(hold.paymentIntentId)).toHaveLength(1);
        }
      }
      // one PaymentIntent per booking: nobody was charged twice
      const listed = (await stripeGet("/v1/payment_intents?limit=100")).data as { metadata: { bookingId?: string } }[];
      for (const hold of [...paid, declined!])
        expect(listed.filter((pi) => pi.metadata.bookingId === hold.booking.id)).toHaveLength(1);
      expect(await leasesOf([a!.booking.id, b!.booking.id, late!.booking.id, cancelled!.booking.id])).toHaveLength(2);
      for (const lease of leases) {
        expect(await balance(accountId("tenant_receivable", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
        expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(-65000);
        const [sum] = await pgQuery<{ total: string }>(
          "select coalesce(sum(e.amount), 0) as total from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.lease_id = $1",
          [lease.id],
        );
        expect(Number(sum!.total)).toBe(0);
      }
      const days = await json(
        await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(25)}&to=${inDays(26)}`),
      );
      expect(days.days[0].units).toBe(3); // five units; a and b hold theirs, the other three gave them back
    },
  );
});

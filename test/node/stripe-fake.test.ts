// Drives fakes/stripe/server.ts with the real `stripe` SDK, the way app code will use it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeFake, type StripeFake } from "../../fakes/stripe/server.js";

const SECRET = "whsec_test_roomline";

function sdk(fake: StripeFake, key = "sk_test_roomline"): Stripe {
  return new Stripe(key, {
    host: "127.0.0.1",
    port: fake.port,
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
  });
}

interface Delivery {
  body: string;
  signature: string;
}
interface Receiver {
  url: string;
  events: Stripe.Event[];
  deliveries: Delivery[];
  close(): Promise<void>;
}

/** A tiny webhook endpoint that verifies every delivery with the SDK, like the app's handler will. */
async function startReceiver(secret: string, statusFor: (attempt: number) => number = () => 200): Promise<Receiver> {
  const events: Stripe.Event[] = [];
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const signature = String(req.headers["stripe-signature"] ?? "");
      deliveries.push({ body, signature });
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(body, signature, secret);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const status = statusFor(deliveries.filter((d) => JSON.parse(d.body).id === event.id).length);
      if (status === 200) events.push(event);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    events,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const eventFor = (receiver: Receiver, type: string, objectId: string) => () =>
  receiver.events.find((e) => e.type === type && (e.data.object as { id?: string }).id === objectId);

describe("stripe fake with the real SDK", () => {
  let fake: StripeFake;
  let receiver: Receiver;
  let stripe: Stripe;

  beforeAll(async () => {
    receiver = await startReceiver(SECRET);
    fake = await startStripeFake({ webhookUrl: receiver.url, webhookSecret: SECRET, log: () => {} });
    stripe = sdk(fake);
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });

  it("creates, retrieves and cancels a PaymentIntent", async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 12_500,
      currency: "EUR",
      metadata: { bookingId: "bk_1", "0": "zero" },
    });
    expect(pi).toMatchObject({
      object: "payment_intent",
      amount: 12_500,
      currency: "eur",
      status: "requires_payment_method",
      livemode: false,
    });
    expect(pi.id).toMatch(/^pi_\w{20,}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_\\w+$`));
    expect(pi.metadata).toEqual({ bookingId: "bk_1", "0": "zero" });
    expect(pi.created).toBeCloseTo(Date.now() / 1000, -1);
    expect(pi.lastResponse.requestId).toMatch(/^req_/);

    expect(await stripe.paymentIntents.retrieve(pi.id)).toEqual(pi);

    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: "requested_by_customer" });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "requested_by_customer" });
    await waitFor(eventFor(receiver, "payment_intent.canceled", pi.id));

    const again = stripe.paymentIntents.cancel(pi.id);
    await expect(again).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(again).rejects.toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
  });

  it("returns Stripe-shaped errors for auth, validation, unknown ids and routes", async () => {
    await expect(sdk(fake, "sk_live_nope").paymentIntents.retrieve("pi_x")).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );

    const noAuth = await fetch(`${fake.url}/v1/payment_intents/pi_x`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get("content-type")).toBe("application/json");
    expect(noAuth.headers.get("request-id")).toMatch(/^req_/);
    expect(await noAuth.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringContaining("API key") },
    });

    await expect(
      stripe.paymentIntents.create({ currency: "eur" } as Stripe.PaymentIntentCreateParams),
    ).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      rawType: "invalid_request_error",
      code: "parameter_missing",
      param: "amount",
    });
    for (const amount of ["12.5", "-5", "0"]) {
      await expect(
        stripe.paymentIntents.create({ amount: amount as unknown as number, currency: "eur" }),
      ).rejects.toMatchObject({
        statusCode: 400,
        code: "parameter_invalid_integer",
        param: "amount",
      });
    }
    await expect(stripe.paymentIntents.create({ amount: 100, currency: "euro" })).rejects.toMatchObject({
      statusCode: 400,
      param: "currency",
    });

    await expect(stripe.paymentIntents.retrieve("pi_missing")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 404,
      code: "resource_missing",
      param: "intent",
    });

    const unknown = await fetch(`${fake.url}/v1/bookings`, { headers: { Authorization: "Bearer sk_test_roomline" } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringContaining("Unrecognized request URL") },
    });
  });

  it("parses bracket notation for nested params and arrays", async () => {
    const customer = await stripe.customers.create({
      email: "guest@example.com",
      name: "Guest",
      metadata: { userId: "u_1" },
    });
    expect(customer).toMatchObject({ object: "customer", email: "guest@example.com", metadata: { userId: "u_1" } });
    expect(customer.id).toMatch(/^cus_/);
    expect(await stripe.customers.retrieve(customer.id)).toEqual(customer);

    const pi = await stripe.paymentIntents.create({
      amount: 900,
      currency: "usd",
      customer: customer.id,
      description: "Room 4",
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
      expand: ["latest_charge"],
    });
    expect(pi).toMatchObject({
      customer: customer.id,
      description: "Room 4",
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    });
    await expect(
      stripe.paymentIntents.create({ amount: 900, currency: "usd", customer: "cus_nope" }),
    ).rejects.toMatchObject({ code: "resource_missing", param: "customer" });
  });

  it("updates a PaymentIntent, and locks the amount once it has succeeded", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: "eur", metadata: { a: "1", b: "2" } });
    const updated = await stripe.paymentIntents.update(pi.id, { amount: 1500, metadata: { b: "", c: "3" } });
    expect(updated).toMatchObject({ amount: 1500, metadata: { a: "1", c: "3" } });

    await fake.succeed(pi.id);
    await expect(stripe.paymentIntents.update(pi.id, { amount: 2000 })).rejects.toMatchObject({
      code: "payment_intent_unexpected_state",
    });
    expect((await stripe.paymentIntents.update(pi.id, { metadata: { d: "4" } })).metadata).toEqual({
      a: "1",
      c: "3",
      d: "4",
    });
  });

  it("replays idempotent requests and rejects a reused key with different params", async () => {
    const params = { amount: 4200, currency: "eur", metadata: { bookingId: "bk_idem" } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "booking-bk_idem" });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: "booking-bk_idem" });
    expect(second.id).toBe(first.id);
    expect(second.client_secret).toBe(first.client_secret);

    const changed = stripe.paymentIntents.create({ ...params, amount: 4300 }, { idempotencyKey: "booking-bk_idem" });
    await expect(changed).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    await expect(changed).rejects.toMatchObject({ statusCode: 400, rawType: "idempotency_error" });

    // Keys are scoped to the API key that used them.
    const otherAccount = await sdk(fake, "sk_test_other").paymentIntents.create(params, {
      idempotencyKey: "booking-bk_idem",
    });
    expect(otherAccount.id).not.toBe(first.id);
  });

  it("marks replays with Idempotent-Replayed and returns the identical body", async () => {
    const post = () =>
      fetch(`${fake.url}/v1/payment_intents`, {
        method: "POST",
        headers: {
          Authorization: "Bearer sk_test_raw",
          "Idempotency-Key": "raw-key",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: "amount=700&currency=usd&metadata[bookingId]=bk_raw&expand[]=latest_charge",
      });
    const first = await post();
    const replay = await post();
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.status).toBe(first.status);
    expect(await replay.text()).toBe(await first.text());
  });

  it("creates exactly one PaymentIntent for concurrent requests with the same key", async () => {
    const create = () =>
      stripe.paymentIntents.create({ amount: 5100, currency: "eur" }, { idempotencyKey: "concurrent-1" });
    const results = await Promise.all(Array.from({ length: 8 }, create));
    const ids = new Set(results.map((pi) => pi.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const created = await stripe.events.list({ type: "payment_intent.created", limit: 100 });
    expect(created.data.filter((e) => (e.data.object as Stripe.PaymentIntent).id === id)).toHaveLength(1);
  });

  it("throws StripeCardError for a declined card and sends payment_intent.payment_failed", async () => {
    const attempt = stripe.paymentIntents.create({
      amount: 3000,
      currency: "eur",
      confirm: true,
      payment_method: "pm_card_chargeDeclined",
      off_session: true,
    });
    await expect(attempt).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    const err = (await attempt.catch((e: unknown) => e)) as InstanceType<typeof Stripe.errors.StripeCardError>;
    expect(err).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    const pi = err.payment_intent;
    expect(pi).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "card_declined" } });

    const stored = await stripe.paymentIntents.retrieve(pi?.id ?? "");
    expect(stored.status).toBe("requires_payment_method");
    expect(stored.last_payment_error?.decline_code).toBe("generic_decline");
    await waitFor(eventFor(receiver, "payment_intent.payment_failed", stored.id));
  });

  it("asks for 3-D Secure on-session (requires_action with a client secret) and declines off-session", async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 4000,
      currency: "eur",
      confirm: true,
      payment_method: "pm_card_authenticationRequired",
    });
    expect(pi).toMatchObject({
      status: "requires_action",
      next_action: { type: "use_stripe_sdk" },
      client_secret: expect.stringMatching(/^pi_.+_secret_/),
    });
    await waitFor(eventFor(receiver, "payment_intent.requires_action", pi.id));
    const offSession = stripe.paymentIntents.create({
      amount: 4000,
      currency: "eur",
      confirm: true,
      payment_method: "pm_card_authenticationRequired",
      off_session: true,
    });
    await expect(offSession).rejects.toMatchObject({
      statusCode: 402,
      code: "authentication_required",
      decline_code: "authentication_required",
    });
  });

  it("confirms with pm_card_visa and sends payment_intent.succeeded", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 8000, currency: "eur" });
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" });
    expect(confirmed).toMatchObject({ status: "succeeded", amount_received: 8000 });
    expect(confirmed.latest_charge).toMatch(/^ch_/);
    expect(confirmed.payment_method).toMatch(/^pm_/);
    const event = await waitFor(eventFor(receiver, "payment_intent.succeeded", pi.id));
    expect(event).toMatchObject({
      object: "event",
      livemode: false,
      pending_webhooks: 1,
      request: { idempotency_key: expect.stringMatching(/^stripe-node-retry-/) },
    });
    await expect(stripe.paymentIntents.cancel(pi.id)).rejects.toMatchObject({
      code: "payment_intent_unexpected_state",
    });
  });

  it("never refunds more than was received", async () => {
    const pending = await stripe.paymentIntents.create({ amount: 5000, currency: "eur" });
    await expect(stripe.refunds.create({ payment_intent: pending.id })).rejects.toMatchObject({ statusCode: 400 });

    const pi = await stripe.paymentIntents.create({
      amount: 5000,
      currency: "eur",
      confirm: true,
      payment_method: "pm_card_visa",
    });
    const partial = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 2000,
      reason: "requested_by_customer",
      metadata: { bookingId: "bk_r" },
    });
    expect(partial).toMatchObject({
      object: "refund",
      amount: 2000,
      status: "succeeded",
      payment_intent: pi.id,
      charge: pi.latest_charge,
    });
    expect(partial.id).toMatch(/^re_/);
    expect(await stripe.refunds.retrieve(partial.id)).toEqual(partial);

    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 4000 })).rejects.toMatchObject({
      code: "amount_too_large",
    });
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(3000);
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 1 })).rejects.toMatchObject({
      code: "charge_already_refunded",
    });

    await waitFor(eventFor(receiver, "refund.created", rest.id));
    const chargeEvents = await waitFor(() => {
      const found = receiver.events.filter(
        (e) => e.type === "charge.refunded" && (e.data.object as Stripe.Charge).payment_intent === pi.id,
      );
      return found.length === 2 ? found.map((e) => e.data.object as Stripe.Charge) : undefined;
    });
    expect(chargeEvents.map((c) => c.amount_refunded).sort()).toEqual([2000, 5000]);
    expect(chargeEvents.find((c) => c.amount_refunded === 5000)?.refunded).toBe(true);
  });

  it("fails an accepted refund later: the charge gets the amount back and charge.refund.updated and refund.failed are sent", async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 5000,
      currency: "eur",
      confirm: true,
      payment_method: "pm_card_visa",
    });
    const refund = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 3000,
      metadata: { leaseId: "lse_1", purpose: "deposit" },
    });
    const res = await fetch(`${fake.url}/_fake/refunds/${refund.id}/fail`, {
      method: "POST",
      body: "failure_reason=lost_or_stolen_card",
    });
    expect(await res.json()).toMatchObject({ id: refund.id, status: "failed", failure_reason: "lost_or_stolen_card" });
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({
      status: "failed",
      metadata: { purpose: "deposit" },
    });
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({
      amount_refunded: 0,
      refunded: false,
    });
    for (const type of ["charge.refund.updated", "refund.updated", "refund.failed"]) {
      expect((await waitFor(eventFor(receiver, type, refund.id))).data.object).toMatchObject({
        status: "failed",
        payment_intent: pi.id,
      });
    }
    // the amount can be refunded again, and a failed refund cannot fail twice
    expect((await stripe.refunds.create({ payment_intent: pi.id })).amount).toBe(5000);
    await expect(fake.failRefund(refund.id)).rejects.toThrow(/cannot fail/);
    const listed = await stripe.refunds.list({ payment_intent: pi.id, limit: 1 });
    expect([listed.data.length, listed.has_more]).toEqual([1, true]);
    const next = await stripe.refunds.list({ payment_intent: pi.id, starting_after: listed.data[0]!.id });
    expect(next.data.map((r) => r.id)).toEqual([refund.id]);
  });

  it("lists PaymentIntents newest first with their metadata, filtered by created and paged by cursor", async () => {
    const since = Math.floor(Date.now() / 1000);
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(
        await stripe.paymentIntents.create({
          amount: 100 + i,
          currency: "eur",
          metadata: { bookingId: `bk_list${i}` },
        }),
      );
    const all = [];
    let page = await stripe.paymentIntents.list({ created: { gte: since }, limit: 2 });
    for (;;) {
      all.push(...page.data);
      if (!page.has_more) break;
      page = await stripe.paymentIntents.list({
        created: { gte: since },
        limit: 2,
        starting_after: page.data.at(-1)!.id,
      });
    }
    const ours = all.filter((pi) => pi.metadata.bookingId?.startsWith("bk_list"));
    expect(ours.map((pi) => pi.id)).toEqual(made.map((pi) => pi.id).reverse());
    expect(ours[0]!.metadata).toEqual({ bookingId: "bk_list4" });
    expect((await stripe.paymentIntents.list({ created: { lt: since - 3600 } })).data).toEqual([]);
    expect((await stripe.paymentIntents.list({ created: since - 3600 })).data).toEqual([]);
    const before = await stripe.paymentIntents.list({ ending_before: made[0]!.id, limit: 100 });
    expect(before.data.map((pi) => pi.id)).toEqual(
      made
        .slice(1)
        .map((pi) => pi.id)
        .reverse(),
    );
    await expect(stripe.paymentIntents.list({ starting_after: "pi_missing" })).rejects.toMatchObject({
      statusCode: 400,
      code: "resource_missing",
    });
    await expect(stripe.paymentIntents.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: "limit" });
  });

  it("signs webhooks so constructEvent verifies them, and rejects a wrong secret", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1200, currency: "eur", metadata: { bookingId: "bk_sig" } });
    await fake.succeed(pi.id);
    const event = await waitFor(eventFor(receiver, "payment_intent.succeeded", pi.id));
    expect(event.id).toMatch(/^evt_/);
    expect(event.data.object).toMatchObject({
      id: pi.id,
      status: "succeeded",
      amount_received: 1200,
      metadata: { bookingId: "bk_sig" },
    });

    const delivery = receiver.deliveries.find((d) => JSON.parse(d.body).id === event.id);
    expect(delivery?.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() =>
      Stripe.webhooks.constructEvent(delivery?.body ?? "", delivery?.signature ?? "", "whsec_wrong"),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => Stripe.webhooks.constructEvent(`${delivery?.body} `, delivery?.signature ?? "", SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );

    expect(await stripe.events.retrieve(event.id)).toMatchObject({
      id: event.id,
      type: "payment_intent.succeeded",
      pending_webhooks: 0,
    });
  });

  it("drives payment outcomes through /_fake endpoints and helpers", async () => {
    const a = await stripe.paymentIntents.create({ amount: 2500, currency: "eur" });
    const res = await fetch(`${fake.url}/_fake/payment_intents/${a.id}/succeed`, { method: "POST" });
    expect(await res.json()).toMatchObject({
      id: a.id,
      status: "succeeded",
      amount_received: 2500,
      latest_charge: expect.stringMatching(/^ch_/),
    });

    const b = await stripe.paymentIntents.create({ amount: 2500, currency: "eur" });
    await fake.fail(b.id);
    expect((await stripe.paymentIntents.retrieve(b.id)).last_payment_error?.code).toBe("card_declined");
    await waitFor(eventFor(receiver, "payment_intent.payment_failed", b.id));

    await expect(fake.succeed(a.id)).rejects.toThrow(/status succeeded/);
    await expect(fake.fail("pi_missing")).rejects.toThrow(/No such payment_intent/);
  });
});

describe("webhook delivery retries", () => {
  it("retries a failed delivery and logs the failure", async () => {
    const receiver = await startReceiver(SECRET, (attempt) => (attempt === 1 ? 500 : 200));
    const logs: string[] = [];
    const fake = await startStripeFake({
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
      log: (line) => logs.push(line),
    });
    try {
      const pi = await sdk(fake).paymentIntents.create({ amount: 1000, currency: "eur" });
      await waitFor(eventFor(receiver, "payment_intent.created", pi.id));
      expect(receiver.deliveries.filter((d) => JSON.parse(d.body).data.object.id === pi.id)).toHaveLength(2);
      expect(logs.some((line) => line.includes("failed (attempt 1): HTTP 500"))).toBe(true);
    } finally {
      await fake.close();
      await receiver.close();
    }
  });
});

describe("autoSucceedMs", () => {
  it("succeeds an unconfirmed PaymentIntent on its own, unless it was canceled", async () => {
    const receiver = await startReceiver(SECRET);
    const fake = await startStripeFake({
      webhookUrl: receiver.url,
      webhookSecret: SECRET,
      autoSucceedMs: 50,
      log: () => {},
    });
    const stripe = sdk(fake);
    try {
      const pi = await stripe.paymentIntents.create({
        amount: 6400,
        currency: "eur",
        metadata: { bookingId: "bk_auto" },
      });
      const canceled = await stripe.paymentIntents.create({ amount: 6400, currency: "eur" });
      await stripe.paymentIntents.cancel(canceled.id);

      const event = await waitFor(eventFor(receiver, "payment_intent.succeeded", pi.id));
      expect(event.data.object).toMatchObject({ status: "succeeded", metadata: { bookingId: "bk_auto" } });
      expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("succeeded");

      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await stripe.paymentIntents.retrieve(canceled.id)).status).toBe("canceled");
      expect(eventFor(receiver, "payment_intent.succeeded", canceled.id)()).toBeUndefined();
    } finally {
      await fake.close();
      await receiver.close();
    }
  });
});

describe("without a webhook URL", () => {
  it("keeps events in memory for GET /v1/events, and /_fake/reset clears state", async () => {
    const fake = await startStripeFake({ webhookSecret: SECRET, log: () => {} });
    const stripe = sdk(fake);
    try {
      const pi = await stripe.paymentIntents.create({ amount: 300, currency: "gbp" });
      await fake.succeed(pi.id);
      const events = await stripe.events.list({ limit: 10 });
      expect(events.data.map((e) => e.type)).toEqual(["payment_intent.succeeded", "payment_intent.created"]);
      expect(events.data[0]).toMatchObject({ pending_webhooks: 0, request: { id: null } });
      const page = await stripe.events.list({ limit: 1 });
      expect(page.has_more).toBe(true);
      const next = await stripe.events.list({ limit: 1, starting_after: page.data[0]?.id });
      expect(next.data[0]?.type).toBe("payment_intent.created");

      await fetch(`${fake.url}/_fake/reset`, { method: "POST" });
      await expect(stripe.paymentIntents.retrieve(pi.id)).rejects.toMatchObject({ code: "resource_missing" });
      expect((await stripe.events.list()).data).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});

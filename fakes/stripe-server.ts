/**
 * Offline Stripe-compatible fake. Point the real SDK at it:
 *   new Stripe('sk_test_x', { host: '127.0.0.1', port, protocol: 'http', httpClient: Stripe.createFetchHttpClient() })
 * Covers PaymentIntents, Refunds, Customers and Events, idempotency and signed webhooks.
 * Run directly with `tsx fakes/stripe-server.ts` (env: STRIPE_FAKE_PORT, STRIPE_WEBHOOK_URL,
 * STRIPE_WEBHOOK_SECRET, STRIPE_FAKE_AUTO_SUCCEED_MS).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

export interface StripeFakeOptions {
  /** Defaults to 0 (an ephemeral port; read it back from `StripeFake.port`). */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Where signed events are POSTed; when unset, events are only kept for GET /v1/events. */
  webhookUrl?: string;
  webhookSecret: string;
  /** Succeed PaymentIntents created without `confirm` this many ms later (unless canceled meanwhile). */
  autoSucceedMs?: number;
  /** Defaults to console.log with a `[stripe-fake]` prefix. */
  log?: (line: string) => void;
}
export interface StripeFake {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Same as POST /_fake/payment_intents/:id/succeed. */
  succeed(piId: string): Promise<void>;
  /** Same as POST /_fake/payment_intents/:id/fail. */
  fail(piId: string): Promise<void>;
}

type Param = string | Param[] | ParamMap;
interface ParamMap { [key: string]: Param }
type Metadata = Record<string, string>;
type PiStatus =
  | 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'requires_capture' | 'canceled' | 'succeeded';
interface ErrorBody {
  type: string; message: string; code?: string; param?: string; decline_code?: string; doc_url?: string; charge?: string;
  payment_intent?: PaymentIntent; payment_method?: { id: string; object: 'payment_method'; type: 'card' };
}
interface PaymentIntent {
  id: string; object: 'payment_intent'; amount: number; amount_capturable: number; amount_received: number;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null; canceled_at: number | null;
  cancellation_reason: string | null; capture_method: string; client_secret: string; confirmation_method: 'automatic';
  created: number; currency: string; customer: string | null; description: string | null; last_payment_error: ErrorBody | null;
  latest_charge: string | null; livemode: false; metadata: Metadata; next_action: { type: string; use_stripe_sdk?: { type: string } } | null; payment_method: string | null;
  payment_method_types: string[]; status: PiStatus;
}
interface Charge {
  id: string; object: 'charge'; amount: number; amount_captured: number; amount_refunded: number; captured: boolean;
  created: number; currency: string; customer: string | null; failure_code: string | null; livemode: false; metadata: Metadata;
  paid: boolean; payment_intent: string; payment_method: string; refunded: boolean; status: 'succeeded' | 'failed';
}
interface Refund {
  id: string; object: 'refund'; amount: number; charge: string; created: number; currency: string; metadata: Metadata;
  payment_intent: string; reason: string | null; status: 'succeeded';
}
interface Customer {
  id: string; object: 'customer'; created: number; description: string | null; email: string | null; livemode: false;
  metadata: Metadata; name: string | null; phone: string | null;
}
interface StripeEvent {
  id: string; object: 'event'; api_version: string; created: number; data: { object: unknown }; livemode: false;
  pending_webhooks: number; request: { id: string | null; idempotency_key: string | null }; type: string;
}
interface Ctx { params: ParamMap; id: string; requestId: string | null; idempotencyKey: string | null }
interface Reply { status: number; body: string; replayable: boolean }
interface SavedReply { endpoint: string; fingerprint: string; reply: Reply; requestId: string }

const API_VERSION = '2026-10-28.endive';
const RETRY_DELAYS_MS = [200, 1000, 3000];
const CONFIRMABLE: PiStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE: PiStatus[] = [...CONFIRMABLE, 'requires_capture', 'processing'];
interface Decline { code: string; decline_code?: string; message: string }
const GENERIC_DECLINE: Decline = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
// Stripe's documented test PaymentMethods that decline; any other pm_ succeeds.
const DECLINES: Record<string, Decline | undefined> = {
  pm_card_chargeDeclined: GENERIC_DECLINE,
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', message: 'Your card has expired.' },
};
// Stripe's test PaymentMethods whose issuer asks for 3-D Secure: on-session the PI waits in
// requires_action for the customer; off-session it fails with authentication_required.
const AUTHENTICATION_REQUIRED = new Set(['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required']);
const AUTHENTICATION_DECLINE: Decline = {
  code: 'authentication_required', decline_code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.',
};

const now = (): number => Math.floor(Date.now() / 1000);
const newId = (prefix: string): string => `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
const snapshot = <T>(value: T): T => structuredClone(value);
const patch = <T extends object>(target: T, changes: Partial<T>): T => Object.assign(target, changes);

class ApiError extends Error {
  /** replayable=false marks errors raised before the endpoint ran (Stripe doesn't save those for idempotency). */
  constructor(readonly status: number, readonly body: ErrorBody, readonly replayable = true) { super(body.message); }
}
function invalid(message: string, extra: Partial<ErrorBody> = {}, status = 400): ApiError {
  const doc = extra.code ? { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` } : {};
  return new ApiError(status, { type: 'invalid_request_error', message, ...extra, ...doc });
}
function paramError(param: string, message: string, code?: string): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', message, param, ...(code ? { code } : {}) }, false);
}
/** Unknown ids in the URL are 404s; unknown ids passed as params are 400s. */
const missing = (kind: string, id: string, param: string, status = 404): ApiError =>
  invalid(`No such ${kind}: '${id}'`, { code: 'resource_missing', param }, status);
const unexpectedState = (message: string): ApiError => invalid(message, { code: 'payment_intent_unexpected_state' });

/** Parses Stripe's form encoding with bracket notation (a[b][c]=1, a[]=x, a[0]=x) into nested params. */
export function parseForm(text: string): ParamMap {
  const root: ParamMap = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const [head = '', ...rest] = rawKey.split('[');
    const path = [head, ...rest.map((s) => s.replace(/\]$/, ''))];
    if (path.includes('__proto__')) continue;
    let node = root;
    path.forEach((segment, i) => {
      const key = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) { node[key] = value; return; }
      const next = node[key];
      if (typeof next === 'object' && !Array.isArray(next)) { node = next; return; }
      const child: ParamMap = {};
      node[key] = child;
      node = child;
    });
  }
  return arrayify(root, '') as ParamMap;
}
function arrayify(value: Param, parentKey: string): Param {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arrayify(value[k] ?? '', k)] as const);
  // metadata keys may be numeric strings; everything else indexed 0..n-1 is an array.
  const indexed = keys.length > 0 && parentKey !== 'metadata' && keys.every((k, i) => k === String(i));
  return indexed ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}
function canonical(value: Param): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k] ?? '')}`).join(',')}}`;
}

function getString(p: ParamMap, name: string): string | undefined {
  const v = p[name];
  if (v !== undefined && typeof v !== 'string') throw paramError(name, `Invalid string: ${name} must be a string.`);
  return v;
}
function getInt(p: ParamMap, name: string, required: boolean, min = 1): number | undefined {
  const raw = getString(p, name);
  if (raw === undefined || raw === '') {
    if (required) throw paramError(name, `Missing required param: ${name}.`, 'parameter_missing');
    return undefined;
  }
  if (!/^-?\d+$/.test(raw)) throw paramError(name, `Invalid integer: ${raw}`, 'parameter_invalid_integer');
  const n = Number(raw);
  if (n < min) throw paramError(name, `This value must be greater than or equal to ${min}.`, 'parameter_invalid_integer');
  return n;
}
function getBool(p: ParamMap, name: string): boolean {
  const raw = getString(p, name);
  if (raw !== undefined && raw !== 'true' && raw !== 'false') throw paramError(name, `Invalid boolean: ${raw}`);
  return raw === 'true';
}
function getEnum(p: ParamMap, name: string, allowed: string[]): string | undefined {
  const raw = getString(p, name);
  if (raw !== undefined && !allowed.includes(raw)) throw paramError(name, `Invalid ${name}: must be one of ${allowed.join(', ')}`);
  return raw;
}
function getCurrency(p: ParamMap, required: boolean): string | undefined {
  const raw = getString(p, 'currency');
  if (raw === undefined && !required) return undefined;
  if (raw === undefined || raw === '') throw paramError('currency', 'Missing required param: currency.', 'parameter_missing');
  if (!/^[a-z]{3}$/i.test(raw)) throw paramError('currency', `Invalid currency: ${raw}. Currencies are three-letter ISO codes.`);
  return raw.toLowerCase();
}
/** Stripe merges metadata on update; an empty string unsets a key, and `metadata=` clears all. */
function mergeMetadata(p: ParamMap, current: Metadata = {}): Metadata {
  const raw = p.metadata;
  if (raw === undefined) return current;
  if (raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw paramError('metadata', 'Invalid object: metadata must be a hash.');
  const merged = { ...current };
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw paramError(`metadata[${k}]`, 'Metadata values must be strings.');
    if (v === '') delete merged[k]; else merged[k] = v;
  }
  return merged;
}

/** `Stripe-Signature` header value: t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">, as constructEvent verifies. */
export function signPayload(payload: string, secret: string, timestamp = now()): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
}

class FakeStripe {
  private intents = new Map<string, PaymentIntent>();
  private charges = new Map<string, Charge>();
  private refunds = new Map<string, Refund>();
  private customers = new Map<string, Customer>();
  private events: StripeEvent[] = [];
  private idempotency = new Map<string, SavedReply>();
  private timers = new Set<NodeJS.Timeout>();
  private abort = new AbortController();
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: StripeFakeOptions) {
    this.log = opts.log ?? ((line) => console.log(`[stripe-fake] ${line}`));
  }

  readonly routes: Array<[method: string, pattern: RegExp, handler: (ctx: Ctx) => unknown]> = [
    ['POST', /^\/v1\/payment_intents$/, (c) => this.createIntent(c)],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (c) => this.intent(c.id)],
    ['POST', /^\/v1\/payment_intents\/([^/]+)$/, (c) => this.updateIntent(c)],
    ['POST', /^\/v1\/payment_intents\/([^/]+)\/confirm$/, (c) => this.confirmIntent(this.intent(c.id), this.paymentMethodParam(c.params), c, getBool(c.params, 'off_session'))],
    ['POST', /^\/v1\/payment_intents\/([^/]+)\/cancel$/, (c) => this.cancelIntent(c)],
    ['GET', /^\/v1\/charges\/([^/]+)$/, (c) => this.charges.get(c.id) ?? throwError(missing('charge', c.id, 'id'))],
    ['POST', /^\/v1\/refunds$/, (c) => this.createRefund(c)],
    ['GET', /^\/v1\/refunds$/, (c) => this.listRefunds(c.params)],
    ['GET', /^\/v1\/refunds\/([^/]+)$/, (c) => this.refunds.get(c.id) ?? throwError(missing('refund', c.id, 'refund'))],
    ['POST', /^\/v1\/customers$/, (c) => this.createCustomer(c)],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (c) => this.customers.get(c.id) ?? throwError(missing('customer', c.id, 'id'))],
    ['GET', /^\/v1\/events$/, (c) => this.listEvents(c.params)],
    ['GET', /^\/v1\/events\/([^/]+)$/, (c) => this.events.find((e) => e.id === c.id) ?? throwError(missing('event', c.id, 'id'))],
    ['POST', /^\/_fake\/payment_intents\/([^/]+)\/succeed$/, (c) => this.succeedIntent(c.id)],
    ['POST', /^\/_fake\/payment_intents\/([^/]+)\/fail$/, (c) => this.failIntent(c.id)],
    ['POST', /^\/_fake\/reset$/, () => this.reset()],
  ];

  intent(id: string): PaymentIntent {
    return this.intents.get(id) ?? throwError(missing('payment_intent', id, 'intent'));
  }

  private createIntent(c: Ctx): PaymentIntent {
    const p = c.params;
    const amount = getInt(p, 'amount', true) ?? 0;
    const currency = getCurrency(p, true) ?? '';
    // Stripe's ceiling for a single charge: eight digits in the currency's minor unit.
    if (amount > 99_999_999) throw invalid('Amount must be no more than 99999999 in the smallest currency unit.', { code: 'amount_too_large', param: 'amount' });
    const customer = this.customerParam(p) ?? null;
    const paymentMethod = this.paymentMethodParam(p);
    const confirm = getBool(p, 'confirm');
    const offSession = getBool(p, 'off_session');
    if (p.capture_method === 'manual') throw paramError('capture_method', 'The Stripe fake does not model manual capture.');
    const apm = p.automatic_payment_methods;
    const id = newId('pi');
    const pi: PaymentIntent = {
      id, object: 'payment_intent', amount, amount_capturable: 0, amount_received: 0,
      automatic_payment_methods: typeof apm === 'object' && !Array.isArray(apm)
        ? { enabled: getBool(apm, 'enabled'), ...(typeof apm.allow_redirects === 'string' ? { allow_redirects: apm.allow_redirects } : {}) }
        : { enabled: true },
      canceled_at: null, cancellation_reason: null,
      capture_method: getEnum(p, 'capture_method', ['automatic', 'automatic_async']) ?? 'automatic_async',
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`, confirmation_method: 'automatic', created: now(), currency, customer,
      description: getString(p, 'description') ?? null, last_payment_error: null, latest_charge: null, livemode: false,
      metadata: mergeMetadata(p), next_action: null, payment_method: paymentMethod ?? null, payment_method_types: ['card'],
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    };
    this.intents.set(id, pi);
    this.emit('payment_intent.created', pi, c);
    if (confirm) return this.confirmIntent(pi, undefined, c, offSession);
    if (this.opts.autoSucceedMs !== undefined) {
      this.later(this.opts.autoSucceedMs, () => {
        if (CONFIRMABLE.includes(pi.status)) this.completePayment(pi, pi.payment_method ?? 'pm_card_visa', null);
      });
    }
    return pi;
  }

  private updateIntent(c: Ctx): PaymentIntent {
    const pi = this.intent(c.id);
    const p = c.params;
    // Stripe lets metadata/description change in any state, but amount, currency and payment method only before confirmation.
    for (const field of ['amount', 'currency', 'payment_method'] as const) {
      if (p[field] !== undefined && !CONFIRMABLE.includes(pi.status)) {
        throw unexpectedState(`This PaymentIntent's ${field} could not be updated because it has a status of ${pi.status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: ${CONFIRMABLE.join(', ')}.`);
      }
    }
    const paymentMethod = this.paymentMethodParam(p);
    const changes: Partial<PaymentIntent> = {
      amount: getInt(p, 'amount', false) ?? pi.amount,
      currency: getCurrency(p, false) ?? pi.currency,
      customer: this.customerParam(p) ?? pi.customer,
      description: getString(p, 'description') ?? pi.description,
      metadata: mergeMetadata(p, pi.metadata),
      ...(paymentMethod ? { payment_method: paymentMethod, status: 'requires_confirmation' } : {}),
    };
    return patch(pi, changes);
  }

  private confirmIntent(pi: PaymentIntent, paymentMethod: string | undefined, c: Ctx | null, offSession = false): PaymentIntent {
    if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(`You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`);
    const pm = paymentMethod ?? pi.payment_method;
    if (!pm) throw unexpectedState("You cannot confirm this PaymentIntent because it's missing a payment method.");
    if (AUTHENTICATION_REQUIRED.has(pm) && !offSession) {
      patch(pi, { status: 'requires_action', payment_method: pm, next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } } });
      this.emit('payment_intent.requires_action', pi, c);
      return pi;
    }
    const decline = AUTHENTICATION_REQUIRED.has(pm) ? AUTHENTICATION_DECLINE : DECLINES[pm];
    if (!decline) return this.completePayment(pi, pm, c);
    const error = this.declinePayment(pi, pm, decline, c);
    throw new ApiError(402, { ...error, payment_intent: snapshot(pi) });
  }

  /** The customer paid: a succeeded charge exists and the PI is succeeded with amount_received = amount. */
  private completePayment(pi: PaymentIntent, pm: string, c: Ctx | null): PaymentIntent {
    const charge = this.createCharge(pi, pm, 'succeeded');
    patch(pi, {
      status: 'succeeded', amount_received: pi.amount, payment_method: charge.payment_method, latest_charge: charge.id, last_payment_error: null, next_action: null,
    });
    this.emit('payment_intent.succeeded', pi, c);
    return pi;
  }

  /** A failed attempt leaves the PI in requires_payment_method with last_payment_error, like Stripe. */
  private declinePayment(pi: PaymentIntent, pm: string, decline: Decline, c: Ctx | null): ErrorBody {
    const charge = this.createCharge(pi, pm, 'failed');
    const error: ErrorBody = {
      type: 'card_error', ...decline, charge: charge.id, doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}`,
      payment_method: { id: charge.payment_method, object: 'payment_method', type: 'card' },
    };
    patch(pi, { status: 'requires_payment_method', payment_method: null, latest_charge: charge.id, last_payment_error: error, next_action: null });
    this.emit('payment_intent.payment_failed', pi, c);
    return error;
  }

  private createCharge(pi: PaymentIntent, pm: string, status: 'succeeded' | 'failed'): Charge {
    const paid = status === 'succeeded';
    const charge: Charge = {
      id: newId('ch'), object: 'charge', amount: pi.amount, amount_captured: paid ? pi.amount : 0, amount_refunded: 0, captured: paid,
      created: now(), currency: pi.currency, customer: pi.customer, failure_code: paid ? null : 'card_declined', livemode: false,
      metadata: { ...pi.metadata }, paid, payment_intent: pi.id, refunded: false, status,
      // Test tokens like pm_card_visa become a fresh PaymentMethod id on real Stripe.
      payment_method: pm.startsWith('pm_card_') ? newId('pm') : pm,
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  private cancelIntent(c: Ctx): PaymentIntent {
    const pi = this.intent(c.id);
    const reason = getEnum(c.params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']);
    if (!CANCELABLE.includes(pi.status)) {
      throw unexpectedState(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`);
    }
    patch(pi, { status: 'canceled', canceled_at: now(), cancellation_reason: reason ?? null });
    this.emit('payment_intent.canceled', pi, c);
    return pi;
  }

  private createRefund(c: Ctx): Refund {
    const p = c.params;
    const piId = getString(p, 'payment_intent');
    const chargeId = getString(p, 'charge');
    if (!piId && !chargeId) throw paramError('payment_intent', 'One of the following params should be provided for this request: payment_intent or charge.', 'parameter_missing');
    const pi = piId ? this.intents.get(piId) ?? throwError(missing('payment_intent', piId, 'payment_intent', 400)) : undefined;
    const charge = this.charges.get(chargeId ?? pi?.latest_charge ?? '');
    if (chargeId && !charge) throw missing('charge', chargeId, 'charge', 400);
    if (!charge || !charge.captured) throw invalid(`This PaymentIntent does not have a successful charge to refund.`, { param: piId ? 'payment_intent' : 'charge' });
    const remaining = charge.amount_captured - charge.amount_refunded;
    if (remaining === 0) throw invalid(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', charge: charge.id });
    const amount = getInt(p, 'amount', false) ?? remaining;
    if (amount > remaining) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, { code: 'amount_too_large', param: 'amount' });
    }
    const reason = getEnum(p, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null;
    const refund: Refund = {
      id: newId('re'), object: 'refund', amount, charge: charge.id, created: now(), currency: charge.currency, metadata: mergeMetadata(p),
      payment_intent: charge.payment_intent, reason, status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    this.emit('charge.refunded', charge, c);
    this.emit('refund.created', refund, c);
    return refund;
  }

  private createCustomer(c: Ctx): Customer {
    const p = c.params;
    const customer: Customer = {
      id: newId('cus'), object: 'customer', created: now(), description: getString(p, 'description') ?? null, email: getString(p, 'email') ?? null,
      livemode: false, metadata: mergeMetadata(p), name: getString(p, 'name') ?? null, phone: getString(p, 'phone') ?? null,
    };
    this.customers.set(customer.id, customer);
    this.emit('customer.created', customer, c);
    return customer;
  }

  private customerParam(p: ParamMap): string | undefined {
    const id = getString(p, 'customer');
    if (id && !this.customers.has(id)) throw missing('customer', id, 'customer', 400);
    return id;
  }
  private paymentMethodParam(p: ParamMap): string | undefined {
    const id = getString(p, 'payment_method');
    if (id !== undefined && !id.startsWith('pm_')) throw missing('PaymentMethod', id, 'payment_method', 400);
    return id;
  }

  /** Newest first, optionally for one PaymentIntent, as Stripe lists them. */
  private listRefunds(p: ParamMap): unknown {
    const limit = Math.min(getInt(p, 'limit', false) ?? 10, 100);
    const pi = getString(p, 'payment_intent');
    const items = [...this.refunds.values()].reverse().filter((r) => !pi || r.payment_intent === pi);
    return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url: '/v1/refunds' };
  }

  private listEvents(p: ParamMap): unknown {
    const limit = Math.min(getInt(p, 'limit', false) ?? 10, 100);
    const type = getString(p, 'type');
    let items = [...this.events].reverse().filter((e) => !type || e.type === type);
    const after = getString(p, 'starting_after');
    if (after) items = items.slice(items.findIndex((e) => e.id === after) + 1);
    return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url: '/v1/events' };
  }

  succeedIntent(id: string): PaymentIntent {
    const pi = this.intent(id);
    if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(`PaymentIntent ${id} has status ${pi.status} and cannot succeed.`);
    return this.completePayment(pi, pi.payment_method ?? 'pm_card_visa', null);
  }
  failIntent(id: string): PaymentIntent {
    const pi = this.intent(id);
    if (!CONFIRMABLE.includes(pi.status)) throw unexpectedState(`PaymentIntent ${id} has status ${pi.status} and cannot fail.`);
    this.declinePayment(pi, 'pm_card_chargeDeclined', GENERIC_DECLINE, null);
    return pi;
  }
  private reset(): { ok: true } {
    for (const map of [this.intents, this.charges, this.refunds, this.customers, this.idempotency]) map.clear();
    this.events = [];
    this.clearTimers();
    return { ok: true };
  }

  /** Records a Stripe-shaped event (with a snapshot of the object) and delivers it in the background. */
  private emit(type: string, object: unknown, c: Ctx | null): void {
    const event: StripeEvent = {
      id: newId('evt'), object: 'event', api_version: API_VERSION, created: now(), data: { object: snapshot(object) }, livemode: false,
      pending_webhooks: this.opts.webhookUrl ? 1 : 0, request: { id: c?.requestId ?? null, idempotency_key: c?.idempotencyKey ?? null }, type,
    };
    this.events.push(event);
    if (this.opts.webhookUrl) this.later(0, () => this.deliver(event, snapshot(event), 0));
  }

  private deliver(event: StripeEvent, sent: StripeEvent, attempt: number): void {
    const url = this.opts.webhookUrl;
    if (!url || this.closed) return;
    const payload = JSON.stringify(sent, null, 2);
    const headers = {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'Stripe-Signature': signPayload(payload, this.opts.webhookSecret), // re-signed with a fresh timestamp on every attempt
    };
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)]);
    fetch(url, { method: 'POST', headers, body: payload, signal })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        event.pending_webhooks = 0;
      })
      .catch((err: unknown) => {
        if (this.closed) return;
        const delay = RETRY_DELAYS_MS[attempt];
        const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        const next = delay === undefined ? 'giving up' : `retrying in ${delay}ms`;
        this.log(`webhook ${sent.type} ${sent.id} -> ${url} failed (attempt ${attempt + 1}): ${reason}; ${next}`);
        if (delay !== undefined) this.later(delay, () => this.deliver(event, sent, attempt + 1));
      });
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => { this.timers.delete(timer); fn(); }, ms);
    timer.unref();
    this.timers.add(timer);
  }
  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Handles one HTTP request: auth, routing, idempotency, JSON response. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId('req');
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake.local');
    const body = await readBody(req);
    const idempotencyKey = method === 'POST' ? headerValue(req, 'idempotency-key') : null;
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': headerValue(req, 'stripe-version') ?? API_VERSION };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    let reply: Reply;
    try {
      const isControl = url.pathname.startsWith('/_fake/');
      const apiKey = isControl ? '' : authenticate(req);
      const [handler, id] = this.match(method, url.pathname);
      const params = parseForm(method === 'GET' ? url.search.slice(1) : body);
      const run = (): Reply => execute(() => handler({ params, id, requestId, idempotencyKey }));
      if (isControl || !idempotencyKey) reply = run();
      else {
        // Keys are scoped per API key. Check-then-store is synchronous, so concurrent requests with one key can't both execute.
        const slot = `${apiKey}\n${idempotencyKey}`;
        const endpoint = `${method} ${url.pathname}`;
        const fingerprint = canonical(params);
        const saved = this.replay(slot, endpoint, fingerprint, idempotencyKey);
        if (saved) Object.assign(headers, { 'Idempotent-Replayed': 'true', 'Original-Request': saved.requestId });
        reply = saved?.reply ?? run();
        if (!saved && reply.replayable) this.idempotency.set(slot, { endpoint, fingerprint, reply, requestId });
      }
    } catch (err) {
      reply = errorReply(err);
    }
    this.log(`${method} ${url.pathname} -> ${reply.status}${headers['Idempotent-Replayed'] ? ' (replayed)' : ''}`);
    res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply.body), ...headers });
    res.end(reply.body);
  }

  private match(method: string, path: string): [(ctx: Ctx) => unknown, string] {
    for (const [m, pattern, handler] of this.routes) {
      const found = pattern.exec(path);
      if (found && m === method) return [handler, decodeURIComponent(found[1] ?? '')];
    }
    throw invalid(`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, {}, 404);
  }

  /** Stripe replays a saved response for the same key, but rejects reuse with another endpoint or other params. */
  private replay(slot: string, endpoint: string, fingerprint: string, key: string): SavedReply | undefined {
    const saved = this.idempotency.get(slot);
    if (!saved) return undefined;
    const mismatch = saved.endpoint !== endpoint ? 'for the same endpoint' : saved.fingerprint !== fingerprint ? 'with the same parameters' : null;
    if (mismatch) {
      const message = `Keys for idempotent requests can only be used ${mismatch} they were first used with. `
        + `Try using a key other than '${key}' if you meant to execute a different request.`;
      throw new ApiError(400, { type: 'idempotency_error', message }, false);
    }
    return saved;
  }

  async close(server: ReturnType<typeof createServer>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.clearTimers();
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }
}

function throwError(err: Error): never { throw err; }
function execute(fn: () => unknown): Reply {
  try {
    return { status: 200, body: JSON.stringify(fn(), null, 2), replayable: true };
  } catch (err) {
    return errorReply(err);
  }
}
function errorReply(err: unknown): Reply {
  if (err instanceof ApiError) return { status: err.status, body: JSON.stringify({ error: err.body }, null, 2), replayable: err.replayable };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: JSON.stringify({ error: { type: 'api_error', message: `Fake internal error: ${message}` } }), replayable: false };
}
function headerValue(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}
/** Accepts `Bearer sk_test_...` (and Basic with the key as username, like curl -u). */
function authenticate(req: IncomingMessage): string {
  const header = headerValue(req, 'authorization') ?? '';
  if (!header) {
    const message = 'You did not provide an API key. You need to provide your API key in the Authorization header, '
      + "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    throw new ApiError(401, { type: 'invalid_request_error', message }, false);
  }
  const [scheme = '', value = ''] = header.split(' ');
  const key = scheme === 'Basic' ? (Buffer.from(value, 'base64').toString().split(':')[0] ?? '') : scheme === 'Bearer' ? value : '';
  if (!key.startsWith('sk_test_')) {
    const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key;
    throw new ApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` }, false);
  }
  return key;
}
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the fake on `opts.port` (default 0 = ephemeral) and `opts.host` (default 127.0.0.1). */
export async function startStripeFake(opts: StripeFakeOptions): Promise<StripeFake> {
  const fake = new FakeStripe(opts);
  const server = createServer((req, res) => { void fake.handle(req, res).catch(() => res.destroy()); });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => fake.close(server),
    succeed: async (piId) => { fake.succeedIntent(piId); },
    fail: async (piId) => { fake.failIntent(piId); },
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const autoSucceed = env.STRIPE_FAKE_AUTO_SUCCEED_MS ? Number(env.STRIPE_FAKE_AUTO_SUCCEED_MS) : undefined;
  if (env.STRIPE_WEBHOOK_URL && !env.STRIPE_WEBHOOK_SECRET) console.warn('[stripe-fake] STRIPE_WEBHOOK_SECRET is unset; webhooks are signed with "whsec_fake"');
  const fake = await startStripeFake({
    port: Number(env.STRIPE_FAKE_PORT ?? 12111), webhookUrl: env.STRIPE_WEBHOOK_URL || undefined,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? 'whsec_fake', autoSucceedMs: Number.isFinite(autoSucceed) ? autoSucceed : undefined,
  });
  console.log(`[stripe-fake] listening on ${fake.url}; webhooks -> ${env.STRIPE_WEBHOOK_URL || '(memory only)'}`);
  const stop = (): void => { void fake.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();

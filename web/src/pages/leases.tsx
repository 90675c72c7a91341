import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ok, Problem, publicApi } from "../api";
import { addDays, day, money, toMajor, toMinor, today } from "../format";
import { Field } from "../field";
import { linkProps } from "../router";

type LeaseView = InferResponseType<(typeof api.v1.leases)[":id"]["$get"], 200>;
type InvoiceView = InferResponseType<(typeof api.v1.invoices)[":id"]["$get"], 200>;
type PayAnswer = InferResponseType<(typeof api.v1.invoices)[":id"]["payments"]["$post"], 201 | 202>;
type Policy = LeaseView["partialPolicy"];
type Money = { amount: number; currency: string };

/** The signed-in user (shared with the app bar's query). */
function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: async () => ok(await api.v1.me.$get()) });
}

function problemOf(error: unknown): Problem | null {
  return error instanceof Problem ? error : null;
}

function Alert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="alert" role="alert">
      {(error as Error).message}
    </p>
  );
}

function period(l: { startDate: string; endDate: string | null }): string {
  return l.endDate ? `${day(l.startDate)} – ${day(l.endDate)}` : `from ${day(l.startDate)}, no end date`;
}

const STATUS: Record<LeaseView["status"], string> = { active: "Active", ended: "Ended" };

const POLICIES: { value: Policy; label: string; tenant: string }[] = [
  { value: "allow_any", label: "Any amount", tenant: "You may pay any part of an invoice." },
  {
    value: "require_rent",
    label: "At least the invoice's rent",
    tenant: "A payment must cover at least the invoice's rent (or what is left of it).",
  },
  {
    value: "require_balance",
    label: "At least everything owed on the lease",
    tenant: "A payment must cover at least everything owed on the lease.",
  },
  {
    value: "blocked",
    label: "Only the whole invoice (no partial payments)",
    tenant: "Pay the whole amount left on an invoice: this lease takes no partial payments.",
  },
];

const policyLabel = (p: Policy) => POLICIES.find((x) => x.value === p)?.label ?? p;

function percent(bps: number): string {
  return new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 2 }).format(bps / 10_000);
}

function lateFeeText(lease: LeaseView): string {
  const r = lease.lateFeeRule;
  const cur = lease.rent.currency;
  const grace = r.graceDays === 1 ? "1 day" : `${r.graceDays} days`;
  if (r.kind === "fixed" && r.amount !== undefined)
    return `${money({ amount: r.amount, currency: cur })} once rent is ${grace} late`;
  if (r.kind === "percent" && r.percentBps !== undefined)
    return `${percent(r.percentBps)} of the rent once it is ${grace} late`;
  if (r.kind === "daily" && r.amount !== undefined)
    return `${money({ amount: r.amount, currency: cur })} a day after ${grace} late${
      r.cap !== undefined ? `, at most ${money({ amount: r.cap, currency: cur })} per invoice` : ""
    }`;
  return "None";
}

/** A labelled select with the API's word about it underneath, like `Field`. */
function SelectField(props: {
  name: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: { value: string; label: string }[];
  error?: string;
}) {
  const errorId = `${props.name}-error`;
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(e) => props.onValue((e.target as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.error && (
        <span id={errorId} class="error">
          {props.error}
        </span>
      )}
    </label>
  );
}

function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="grid2">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt class="muted">{term}</dt>
          <dd style={{ margin: 0 }}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

// ---------------------------------------------------------------------------------------------
// /leases

/** The signed-in user's leases, as tenant or landlord. */
export function Leases() {
  const me = useMe();
  const list = useQuery({
    queryKey: ["leases"],
    queryFn: async () => ok(await api.v1.leases.$get({ query: { limit: "100" } })),
  });
  return (
    <section aria-labelledby="leases-title">
      <h1 id="leases-title">Leases</h1>
      {list.isLoading && <p role="status">Loading…</p>}
      <Alert error={list.error} />
      {list.data && list.data.items.length === 0 && (
        <p class="muted">
          {me.data?.role === "landlord"
            ? "No leases yet: when a tenant books one of your rooms by the month, its lease appears here."
            : "No leases yet: book a room by the month and its lease appears here."}
        </p>
      )}
      <ul class="cards">
        {list.data?.items.map((l) => (
          <li class="card" key={l.id}>
            <h2>
              <a {...linkProps(`/leases/${l.id}`)}>Lease: {period(l)}</a>
            </h2>
            <Place roomId={l.roomId} propertyId={l.propertyId} />
            <p>
              {money(l.rent)} / month · <strong>{STATUS[l.status]}</strong>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** "Room, Property" when the catalog still shows them; nothing otherwise. */
function Place({ roomId, propertyId, link }: { roomId: string; propertyId: string; link?: boolean }) {
  const property = useQuery({
    // Read without the token: a tenant's read of a property counts as a view for their recommendations.
    queryKey: ["property", propertyId],
    queryFn: async () => ok(await publicApi.v1.properties[":id"].$get({ param: { id: propertyId } })),
    retry: false,
  });
  const room = useQuery({
    queryKey: ["room", roomId],
    queryFn: async () => ok(await publicApi.v1.rooms[":id"].$get({ param: { id: roomId } })),
    retry: false,
  });
  if (!property.data && !room.data) return null;
  const title = property.data?.title;
  return (
    <p class="muted">
      {room.data?.name}
      {room.data && title && ", "}
      {title && (link ? <a {...linkProps(`/listings/${propertyId}`)}>{title}</a> : title)}
      {property.data && ` · ${property.data.address.city}`}
    </p>
  );
}

// ---------------------------------------------------------------------------------------------
// /leases/:id

/** One lease: its terms, invoices (paid here by the tenant), statement, and each party's actions. */
export function Lease({ id }: { id: string }) {
  const me = useMe();
  const lease = useQuery({
    queryKey: ["lease", id],
    queryFn: async () => ok(await api.v1.leases[":id"].$get({ param: { id } })),
  });
  const back = (
    <p>
      <a {...linkProps("/leases")}>All leases</a>
    </p>
  );
  if (lease.error || me.error)
    return (
      <section>
        {back}
        <Alert error={lease.error ?? me.error} />
      </section>
    );
  if (!lease.data || !me.data) return <p role="status">Loading…</p>;
  const l = lease.data;
  const asTenant = me.data.id === l.tenantId;
  const asLandlord = me.data.id === l.landlordId;
  return (
    <article aria-labelledby="lease-title">
      {back}
      <h1 id="lease-title">Lease: {period(l)}</h1>
      <Place roomId={l.roomId} propertyId={l.propertyId} link />
      <Facts
        items={[
          ["Rent", `${money(l.rent)} / month`],
          ["Deposit", money(l.deposit)],
          ["Status", STATUS[l.status]],
          ["Starts", day(l.startDate)],
          ["Ends", l.endDate ? day(l.endDate) : "No end date"],
          ["Billing day", `Day ${l.billingDay} of each month`],
          ["Late fee", lateFeeText(l)],
          ["Partial payments", policyLabel(l.partialPolicy)],
          ["Automatic rent", l.autopay ? "On: a saved card is charged when rent is due" : "Off"],
        ]}
      />
      <Invoices lease={l} asTenant={asTenant} />
      <StatementTable leaseId={l.id} />
      {asLandlord && <LateFeeForm lease={l} />}
      {asLandlord && <PolicyForm lease={l} />}
      {l.status === "active" && (asTenant || asLandlord) && <NoticeForm lease={l} />}
      {asLandlord && l.status === "ended" && <SettleDepositForm lease={l} />}
    </article>
  );
}

function Invoices({ lease, asTenant }: { lease: LeaseView; asTenant: boolean }) {
  const invoices = useQuery({
    queryKey: ["lease-invoices", lease.id],
    queryFn: async () =>
      ok(await api.v1.leases[":id"].invoices.$get({ param: { id: lease.id }, query: { limit: "100" } })),
  });
  const anyOpen = invoices.data?.items.some((i) => i.status === "open") ?? false;
  return (
    <section aria-labelledby="invoices-title">
      <h2 id="invoices-title">Invoices</h2>
      {invoices.isLoading && <p role="status">Loading invoices…</p>}
      <Alert error={invoices.error} />
      {invoices.data && invoices.data.items.length === 0 && (
        <p class="muted">No invoices yet: the first one is issued a week before rent falls due.</p>
      )}
      {asTenant && anyOpen && (
        <div class="notice">
          <p>
            <strong>Test mode:</strong> payments go to the local Stripe stand-in, which completes them by itself; no
            card is charged. Pick a test card to try a decline.
          </p>
          <p>{POLICIES.find((p) => p.value === lease.partialPolicy)?.tenant}</p>
        </div>
      )}
      <ul class="cards">
        {invoices.data?.items.map((i) => (
          <InvoiceCard key={i.id} invoice={i} asTenant={asTenant} />
        ))}
      </ul>
    </section>
  );
}

function invoiceStatus(i: InvoiceView): string {
  if (i.status === "open") return i.overdue ? "Overdue" : "Open";
  return i.status === "paid" ? "Paid" : "Void";
}

/** A payment on its way: done at once when Stripe said succeeded, else when the invoice shows it (`target` left or less). */
type Watch = { paymentId: string; amount: Money; target: number; succeeded: boolean };

function InvoiceCard({ invoice, asTenant }: { invoice: InvoiceView; asTenant: boolean }) {
  const [watch, setWatch] = useState<Watch | null>(null);
  const [landed, setLanded] = useState(false);
  const paid = { amount: invoice.total.amount - invoice.outstanding.amount, currency: invoice.total.currency };
  return (
    <li class="card" data-invoice={invoice.id}>
      <h3>
        {day(invoice.periodStart)} – {day(invoice.periodEnd)}
      </h3>
      <p>
        <strong>{invoiceStatus(invoice)}</strong> · due {day(invoice.dueDate)}
      </p>
      {invoice.status === "void" ? (
        <p class="muted">The lease ended before this period: nothing is owed.</p>
      ) : (
        <Facts
          items={[
            ["Amount due", money(invoice.total)],
            ["Paid", money(paid)],
            ["Left to pay", money(invoice.outstanding)],
          ]}
        />
      )}
      {watch && (
        <PaymentProgress
          key={watch.paymentId}
          invoiceId={invoice.id}
          leaseId={invoice.leaseId}
          watch={watch}
          onLanded={() => setLanded(true)}
        />
      )}
      {/* Hidden while a payment is on its way, so it is not paid twice. */}
      {asTenant && invoice.status === "open" && (!watch || landed) && (
        <PayForm
          key={invoice.outstanding.amount}
          invoice={invoice}
          onPaying={(w) => {
            setLanded(false);
            setWatch(w);
          }}
        />
      )}
    </li>
  );
}

const TEST_CARDS = [
  { value: "pm_card_visa", label: "Visa that pays" },
  { value: "pm_card_chargeDeclined", label: "Card that is declined" },
  { value: "pm_card_chargeDeclinedInsufficientFunds", label: "Card with insufficient funds" },
  { value: "pm_card_authenticationRequired", label: "Card that needs 3-D Secure" },
];

/** Pay all or part of an invoice; one Idempotency-Key per payment, kept across retries of it. */
function PayForm({ invoice, onPaying }: { invoice: InvoiceView; onPaying: (w: Watch) => void }) {
  const client = useQueryClient();
  const currency = invoice.outstanding.currency;
  const [amount, setAmount] = useState(toMajor(invoice.outstanding));
  const [card, setCard] = useState("pm_card_visa");
  const [key, setKey] = useState(() => crypto.randomUUID());
  const minor = toMinor(amount, currency);
  const valid = Number.isFinite(minor) && minor > 0;
  const pay = useMutation({
    mutationFn: async () =>
      ok<PayAnswer>(
        await api.v1.invoices[":id"].payments.$post(
          { param: { id: invoice.id }, json: { amount: { amount: minor, currency }, paymentMethod: card } },
          { headers: { "idempotency-key": key } },
        ),
      ),
    onSuccess: (res) => {
      // Pending: a retry with the same key asks Stripe again; anything else is this payment's final answer.
      if (res.status !== "pending") setKey(crypto.randomUUID());
      client.setQueryData(["invoice", invoice.id], res.invoice);
      if (res.status !== "requires_action")
        onPaying({
          paymentId: res.paymentId ?? key,
          amount: res.amount,
          target: Math.max(0, invoice.outstanding.amount - res.amount.amount),
          succeeded: res.status === "succeeded",
        });
    },
  });
  const problem = problemOf(pay.error);
  const needsAction = pay.data?.status === "requires_action";
  return (
    <form
      class="search"
      aria-label={`Pay the invoice for ${day(invoice.periodStart)} – ${day(invoice.periodEnd)}`}
      onSubmit={(e) => {
        e.preventDefault();
        pay.mutate();
      }}
    >
      <Field
        name={`amount-${invoice.id}`}
        label={`Amount (${currency})`}
        value={amount}
        onValue={setAmount}
        inputMode="decimal"
        error={problem?.fields["amount.amount"] ?? problem?.fields["amount.currency"] ?? problem?.fields["amount"]}
      />
      <SelectField
        name={`card-${invoice.id}`}
        label="Test card"
        value={card}
        onValue={setCard}
        options={TEST_CARDS}
        error={problem?.fields["paymentMethod"]}
      />
      <button class="primary" type="submit" disabled={pay.isPending || !valid}>
        {valid ? `Pay ${money({ amount: minor, currency })}` : "Pay"}
      </button>
      {pay.isPending && <p role="status">Sending the payment…</p>}
      {needsAction && (
        <p class="alert" role="alert">
          This card needs its bank's authentication (3-D Secure), which this page cannot do yet: nothing was charged.
          Pay with another card.
        </p>
      )}
      <Alert error={pay.error} />
    </form>
  );
}

/** How long to keep asking for the invoice before leaving the rest to the page's next visit. */
const WATCH_MS = 60_000;

/** After a payment: the invoice polled until it shows the payment, then its new status. */
function PaymentProgress(props: { invoiceId: string; leaseId: string; watch: Watch; onLanded: () => void }) {
  const { invoiceId, leaseId, watch } = props;
  const client = useQueryClient();
  const [late, setLate] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setLate(true), WATCH_MS);
    return () => clearTimeout(t);
  }, [watch]);
  const settled = (i: InvoiceView | undefined) => !!i && (i.status !== "open" || i.outstanding.amount <= watch.target);
  const invoice = useQuery({
    queryKey: ["invoice", invoiceId],
    queryFn: async () => ok(await api.v1.invoices[":id"].$get({ param: { id: invoiceId } })),
    refetchInterval: (q) => (watch.succeeded || settled(q.state.data) || late ? false : 1500),
  });
  const done = watch.succeeded || settled(invoice.data);
  const gaveUp = !done && late;
  useEffect(() => {
    if (!done && !gaveUp) return;
    void client.invalidateQueries({ queryKey: ["lease-invoices", leaseId] });
    void client.invalidateQueries({ queryKey: ["lease-statement", leaseId] });
    if (done) props.onLanded();
  }, [done, gaveUp, leaseId]);
  if (done && invoice.data)
    return (
      <p class="ok" role="status">
        Payment of {money(watch.amount)} received.{" "}
        {invoice.data.status === "paid"
          ? "This invoice is now paid."
          : `This invoice is now ${invoiceStatus(invoice.data).toLowerCase()}: ${money(invoice.data.outstanding)} left to pay.`}
      </p>
    );
  if (gaveUp)
    return (
      <p class="notice" role="status">
        Payment of {money(watch.amount)} still in progress: Stripe has not confirmed it yet. It shows here once it does;
        don't pay again.
      </p>
    );
  return (
    <p class="notice" role="status">
      Payment in progress…
    </p>
  );
}

const CELL = { padding: "4px 16px 4px 0", textAlign: "left" } as const;
const RIGHT = { ...CELL, textAlign: "right" } as const;

function StatementTable({ leaseId }: { leaseId: string }) {
  const statement = useQuery({
    queryKey: ["lease-statement", leaseId],
    queryFn: async () => ok(await api.v1.leases[":id"].statement.$get({ param: { id: leaseId } })),
  });
  const s = statement.data;
  const m = (amount: number): Money => ({ amount, currency: s?.currency ?? "EUR" });
  return (
    <section aria-labelledby="statement-title">
      <h2 id="statement-title">Statement</h2>
      {statement.isLoading && <p role="status">Loading the statement…</p>}
      <Alert error={statement.error} />
      {s && s.lines.length === 0 && <p class="muted">Nothing on the statement yet.</p>}
      {s && s.lines.length > 0 && (
        <>
          <table>
            <caption style={{ textAlign: "left" }}>
              Charges and payments, oldest first. A positive balance is owed by the tenant.
            </caption>
            <thead>
              <tr>
                <th scope="col" style={CELL}>
                  Date
                </th>
                <th scope="col" style={CELL}>
                  Description
                </th>
                <th scope="col" style={RIGHT}>
                  Amount
                </th>
                <th scope="col" style={RIGHT}>
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {s.lines.map((line, i) => (
                <tr key={i}>
                  <td style={CELL}>{day(line.postedAt)}</td>
                  <td style={CELL}>{line.description}</td>
                  <td style={RIGHT}>{money(m(line.amount))}</td>
                  <td style={RIGHT}>{money(m(line.balance))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <strong>
              {s.balance > 0
                ? `Owed now: ${money(m(s.balance))}`
                : s.balance < 0
                  ? `In credit: ${money(m(-s.balance))}`
                  : "Nothing owed."}
            </strong>
          </p>
        </>
      )}
    </section>
  );
}

/** Keeps the lease everyone reads in step with what a change answered. */
function useLeaseUpdated(leaseId: string) {
  const client = useQueryClient();
  return (updated: LeaseView) => {
    client.setQueryData(["lease", leaseId], updated);
    void client.invalidateQueries({ queryKey: ["leases"] });
  };
}

const KINDS = [
  { value: "fixed", label: "A fixed sum" },
  { value: "percent", label: "A share of the rent" },
  { value: "daily", label: "A sum per day, up to a cap" },
];

function LateFeeForm({ lease }: { lease: LeaseView }) {
  const updated = useLeaseUpdated(lease.id);
  const r = lease.lateFeeRule;
  const currency = lease.rent.currency;
  const major = (amount: number | undefined) => (amount === undefined ? "" : toMajor({ amount, currency }));
  const [graceDays, setGrace] = useState(String(r.graceDays));
  const [kind, setKind] = useState(r.kind);
  const [amount, setAmount] = useState(major(r.amount));
  const [pct, setPct] = useState(r.percentBps === undefined ? "" : String(r.percentBps / 100));
  const [cap, setCap] = useState(major(r.cap));
  const save = useMutation({
    mutationFn: async () => {
      const k: "fixed" | "percent" | "daily" = kind === "fixed" || kind === "daily" ? kind : "percent";
      const money = (typed: string) => (typed.trim() === "" ? undefined : toMinor(typed, currency));
      const json = {
        graceDays: Number(graceDays),
        kind: k,
        ...(k !== "percent" ? { amount: money(amount) } : {}),
        ...(k === "percent" && pct.trim() !== "" ? { percentBps: Math.round(Number(pct) * 100) } : {}),
        ...(k === "daily" ? { cap: money(cap) } : {}),
      };
      return ok(await api.v1.leases[":id"]["late-fee-rule"].$put({ param: { id: lease.id }, json }));
    },
    onSuccess: updated,
  });
  const edit = (set: (v: string) => void) => (v: string) => {
    set(v);
    if (save.isSuccess) save.reset();
  };
  const problem = problemOf(save.error);
  return (
    <section aria-labelledby="late-fees-title">
      <h2 id="late-fees-title">Late fees</h2>
      <p class="muted">Applies to rent that falls due from today; rent already late keeps the fee it fell due under.</p>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field
          name="graceDays"
          label="Days of grace"
          type="number"
          value={graceDays}
          onValue={edit(setGrace)}
          error={problem?.fields["graceDays"]}
        />
        <SelectField
          name="kind"
          label="Kind of fee"
          value={kind}
          onValue={edit(setKind)}
          options={KINDS}
          error={problem?.fields["kind"]}
        />
        {kind === "percent" ? (
          <Field
            name="percent"
            label="Percent of the rent"
            value={pct}
            onValue={edit(setPct)}
            inputMode="decimal"
            error={problem?.fields["percentBps"]}
          />
        ) : (
          <Field
            name="amount"
            label={kind === "daily" ? `Fee per day (${currency})` : `Fee (${currency})`}
            value={amount}
            onValue={edit(setAmount)}
            inputMode="decimal"
            error={problem?.fields["amount"]}
          />
        )}
        {kind === "daily" && (
          <Field
            name="cap"
            label={`Cap per invoice (${currency})`}
            value={cap}
            onValue={edit(setCap)}
            inputMode="decimal"
            error={problem?.fields["cap"]}
          />
        )}
        <div>
          <button class="primary" type="submit" disabled={save.isPending}>
            Save late fees
          </button>
        </div>
      </form>
      {save.isPending && <p role="status">Saving…</p>}
      {save.isSuccess && (
        <p class="ok" role="status">
          Saved.
        </p>
      )}
      <Alert error={save.error} />
    </section>
  );
}

function PolicyForm({ lease }: { lease: LeaseView }) {
  const updated = useLeaseUpdated(lease.id);
  const [policy, setPolicy] = useState<string>(lease.partialPolicy);
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.leases[":id"]["payment-policy"].$put({
          param: { id: lease.id },
          json: { policy: (POLICIES.find((p) => p.value === policy) ?? POLICIES[0]!).value },
        }),
      ),
    onSuccess: updated,
  });
  const problem = problemOf(save.error);
  return (
    <section aria-labelledby="policy-title">
      <h2 id="policy-title">Partial payments</h2>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <SelectField
          name="policy"
          label="The tenant may pay"
          value={policy}
          onValue={(v) => {
            setPolicy(v);
            if (save.isSuccess) save.reset();
          }}
          options={POLICIES}
          error={problem?.fields["policy"]}
        />
        <button class="primary" type="submit" disabled={save.isPending}>
          Save payment policy
        </button>
      </form>
      {save.isPending && <p role="status">Saving…</p>}
      {save.isSuccess && (
        <p class="ok" role="status">
          Saved.
        </p>
      )}
      <Alert error={save.error} />
    </section>
  );
}

function NoticeForm({ lease }: { lease: LeaseView }) {
  const client = useQueryClient();
  const updated = useLeaseUpdated(lease.id);
  const soon = addDays(today(), 30);
  const [endDate, setEndDate] = useState(lease.endDate && lease.endDate < soon ? lease.endDate : soon);
  const notice = useMutation({
    mutationFn: async () => ok(await api.v1.leases[":id"].notice.$post({ param: { id: lease.id }, json: { endDate } })),
    onSuccess: (l) => {
      updated(l);
      // Periods after the new end are voided and the one it cuts short is billed again.
      void client.invalidateQueries({ queryKey: ["lease-invoices", lease.id] });
      void client.invalidateQueries({ queryKey: ["lease-statement", lease.id] });
    },
  });
  const problem = problemOf(notice.error);
  return (
    <section aria-labelledby="notice-title">
      <h2 id="notice-title">End the lease</h2>
      <p class="muted">
        Give notice: the lease ends on the day you choose, which must be after today and no later than its current end.
        Rent is billed up to that day.
      </p>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (confirm(`End this lease on ${day(endDate)}? This cannot be undone.`)) notice.mutate();
        }}
      >
        <Field
          name="endDate"
          label="End date"
          type="date"
          value={endDate}
          onValue={(v) => {
            setEndDate(v);
            if (notice.isSuccess) notice.reset();
          }}
          error={problem?.fields["endDate"]}
        />
        <button class="primary" type="submit" disabled={notice.isPending || !endDate}>
          Give notice
        </button>
      </form>
      {notice.isPending && <p role="status">Giving notice…</p>}
      {notice.data && (
        <p class="ok" role="status">
          Notice given: the lease ends on {day(notice.data.endDate ?? endDate)}.
        </p>
      )}
      <Alert error={notice.error} />
    </section>
  );
}

type Deduction = { key: number; reason: string; amount: string };

function SettleDepositForm({ lease }: { lease: LeaseView }) {
  const client = useQueryClient();
  const currency = lease.deposit.currency;
  const [rows, setRows] = useState<Deduction[]>([]);
  const [next, setNext] = useState(1);
  const withheld = rows.map((r) => ({ reason: r.reason, amount: toMinor(r.amount, currency) }));
  const deducted = withheld.reduce((s, w) => s + (Number.isFinite(w.amount) ? w.amount : 0), 0);
  const settle = useMutation({
    mutationFn: async () =>
      ok(await api.v1.leases[":id"].deposit.settle.$post({ param: { id: lease.id }, json: { withheld } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["lease-statement", lease.id] }),
  });
  const problem = problemOf(settle.error);
  const change = (key: number, patch: Partial<Deduction>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  if (settle.data) {
    const s = settle.data;
    const m = (amount: number): Money => ({ amount, currency: s.currency });
    return (
      <section aria-labelledby="deposit-title">
        <h2 id="deposit-title">Return the deposit</h2>
        <p class="ok" role="status">
          Deposit settled: {money(m(s.returned))} returned to the tenant
          {s.withheld.length > 0 && `, ${money(m(s.withheld.reduce((t, w) => t + w.amount, 0)))} withheld`}
          {s.creditReturned > 0 && `, and ${money(m(s.creditReturned))} of credit refunded`}.
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="deposit-title">
      <h2 id="deposit-title">Return the deposit</h2>
      <p class="muted">
        The lease has ended: return the deposit of {money(lease.deposit)}, less any itemised deductions, to the tenant's
        card. Any credit the tenant has left is refunded with it.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const back = money({ amount: Math.max(0, lease.deposit.amount - deducted), currency });
          if (confirm(`Return ${back} of the deposit to the tenant? This cannot be undone.`)) settle.mutate();
        }}
      >
        {rows.length === 0 && <p class="muted">No deductions: the whole deposit goes back.</p>}
        {rows.map((r, i) => (
          <fieldset class="grid2" key={r.key}>
            <legend>Deduction {i + 1}</legend>
            <Field
              name={`withheld-${i}-reason`}
              label={`Reason for deduction ${i + 1}`}
              value={r.reason}
              onValue={(reason) => change(r.key, { reason })}
              error={problem?.fields[`withheld.${i}.reason`]}
            />
            <Field
              name={`withheld-${i}-amount`}
              label={`Amount of deduction ${i + 1} (${currency})`}
              value={r.amount}
              onValue={(amount) => change(r.key, { amount })}
              inputMode="decimal"
              error={problem?.fields[`withheld.${i}.amount`]}
            />
            <div>
              <button type="button" class="link" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>
                Remove deduction {i + 1}
              </button>
            </div>
          </fieldset>
        ))}
        {problem?.fields["withheld"] && <p class="error">{problem.fields["withheld"]}</p>}
        <p>
          <button
            type="button"
            class="link"
            disabled={rows.length >= 20}
            onClick={() => {
              setRows((rs) => [...rs, { key: next, reason: "", amount: "" }]);
              setNext(next + 1);
            }}
          >
            Add a deduction
          </button>
        </p>
        <p>
          <button class="primary" type="submit" disabled={settle.isPending}>
            Return the deposit
          </button>
        </p>
      </form>
      {settle.isPending && <p role="status">Returning the deposit…</p>}
      <Alert error={settle.error} />
    </section>
  );
}

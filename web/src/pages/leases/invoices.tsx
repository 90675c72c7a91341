import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import { useEffect, useState } from "preact/hooks";
import { api, ok } from "../../api";
import { Field } from "../../field";
import { Alert, problemOf, Select } from "../../form";
import { day, money, toMajor, toMinor } from "../../format";
import { Facts, type LeaseView, type Money, POLICIES } from "./shared";

type InvoiceView = InferResponseType<(typeof api.v1.invoices)[":id"]["$get"], 200>;
type PayAnswer = InferResponseType<(typeof api.v1.invoices)[":id"]["payments"]["$post"], 201 | 202>;

/** A payment on its way: done at once when Stripe said succeeded, else when the invoice shows it (`target` left or less). */
type Watch = { paymentId: string; amount: Money; target: number; succeeded: boolean };

/** The lease's invoices; the tenant pays open ones here. */
export function Invoices({ lease, asTenant }: { lease: LeaseView; asTenant: boolean }) {
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
      {asTenant && anyOpen && <TestModeNote lease={lease} />}
      <ul class="cards">
        {invoices.data?.items.map((i) => (
          <InvoiceCard key={i.id} invoice={i} asTenant={asTenant} />
        ))}
      </ul>
    </section>
  );
}

/** For the tenant: payments are test ones, and what the lease's policy lets them pay. */
function TestModeNote({ lease }: { lease: LeaseView }) {
  return (
    <div class="notice">
      <p>
        <strong>Test mode:</strong> payments go to the local Stripe stand-in, which completes them by itself; no card is
        charged. Pick a test card to try a decline.
      </p>
      <p>{POLICIES.find((p) => p.value === lease.partialPolicy)?.tenant}</p>
    </div>
  );
}

/** An invoice's status in words (an open one past due is "Overdue"). */
function invoiceStatus(i: InvoiceView): string {
  if (i.status === "open") return i.overdue ? "Overdue" : "Open";
  return i.status === "paid" ? "Paid" : "Void";
}

/** One invoice: its period, status and amounts, a payment on its way, and (for the tenant) paying it. */
function InvoiceCard({ invoice, asTenant }: { invoice: InvoiceView; asTenant: boolean }) {
  const [watch, setWatch] = useState<Watch | null>(null);
  const [landed, setLanded] = useState(false);
  return (
    <li class="card" data-invoice={invoice.id}>
      <h3>
        {day(invoice.periodStart)} – {day(invoice.periodEnd)}
      </h3>
      <p>
        <strong>{invoiceStatus(invoice)}</strong> · due {day(invoice.dueDate)}
      </p>
      <InvoiceAmounts invoice={invoice} />
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

/** What the invoice asks, what is paid, and what is left (nothing for a void one). */
function InvoiceAmounts({ invoice }: { invoice: InvoiceView }) {
  if (invoice.status === "void") return <p class="muted">The lease ended before this period: nothing is owed.</p>;
  const paid = { amount: invoice.total.amount - invoice.outstanding.amount, currency: invoice.total.currency };
  return (
    <Facts
      items={[
        ["Amount due", money(invoice.total)],
        ["Paid", money(paid)],
        ["Left to pay", money(invoice.outstanding)],
      ]}
    />
  );
}

const TEST_CARDS = [
  { value: "pm_card_visa", label: "Visa that pays" },
  { value: "pm_card_chargeDeclined", label: "Card that is declined" },
  { value: "pm_card_chargeDeclinedInsufficientFunds", label: "Card with insufficient funds" },
  { value: "pm_card_authenticationRequired", label: "Card that needs 3-D Secure" },
];

/** Paying `minor` of the invoice by `card`; one Idempotency-Key per payment, kept across retries of it. */
function usePayment(invoice: InvoiceView, minor: number, card: string, onPaying: (w: Watch) => void) {
  const client = useQueryClient();
  const currency = invoice.outstanding.currency;
  const [key, setKey] = useState(() => crypto.randomUUID());
  return useMutation({
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
}

/** Pay all or part of an invoice with a test card. */
function PayForm({ invoice, onPaying }: { invoice: InvoiceView; onPaying: (w: Watch) => void }) {
  const currency = invoice.outstanding.currency;
  const [amount, setAmount] = useState(toMajor(invoice.outstanding));
  const [card, setCard] = useState("pm_card_visa");
  const minor = toMinor(amount, currency);
  const valid = Number.isFinite(minor) && minor > 0;
  const pay = usePayment(invoice, minor, card, onPaying);
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
      <Select
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

type ProgressProps = { invoiceId: string; leaseId: string; watch: Watch; onLanded: () => void };

/** The invoice, polled until it shows the payment (or WATCH_MS pass); the lease's lists refresh either way. */
function useWatchedInvoice({ invoiceId, leaseId, watch, onLanded }: ProgressProps) {
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
    if (done) onLanded();
  }, [done, gaveUp, leaseId]);
  return { invoice: invoice.data, done, gaveUp };
}

/** After a payment: the invoice polled until it shows the payment, then its new status. */
function PaymentProgress(props: ProgressProps) {
  const { invoice, done, gaveUp } = useWatchedInvoice(props);
  const { watch } = props;
  if (done && invoice)
    return (
      <p class="ok" role="status">
        Payment of {money(watch.amount)} received.{" "}
        {invoice.status === "paid"
          ? "This invoice is now paid."
          : `This invoice is now ${invoiceStatus(invoice).toLowerCase()}: ${money(invoice.outstanding)} left to pay.`}
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

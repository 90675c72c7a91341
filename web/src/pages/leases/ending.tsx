import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import { useState } from "preact/hooks";
import { api, ok, type Problem } from "../../api";
import { Field } from "../../field";
import { Alert, problemOf } from "../../form";
import { addDays, day, money, toMinor, today } from "../../format";
import { type LeaseView, type Money, useLeaseUpdated } from "./shared";

type Settlement = InferResponseType<(typeof api.v1.leases)[":id"]["deposit"]["settle"]["$post"], 200>;

/** Either party gives notice: the lease ends on the day they pick (30 days on, or its end if sooner). */
export function NoticeForm({ lease }: { lease: LeaseView }) {
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

/** A deduction from the deposit as the form edits it; `key` keeps its row while others come and go. */
type Deduction = { key: number; reason: string; amount: string };

/** The landlord returns an ended lease's deposit, less itemised deductions. */
export function SettleDepositForm({ lease }: { lease: LeaseView }) {
  const client = useQueryClient();
  const currency = lease.deposit.currency;
  const [rows, setRows] = useState<Deduction[]>([]);
  const withheld = rows.map((r) => ({ reason: r.reason, amount: toMinor(r.amount, currency) }));
  const deducted = withheld.reduce((s, w) => s + (Number.isFinite(w.amount) ? w.amount : 0), 0);
  const settle = useMutation({
    mutationFn: async () =>
      ok(await api.v1.leases[":id"].deposit.settle.$post({ param: { id: lease.id }, json: { withheld } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["lease-statement", lease.id] }),
  });
  if (settle.data) return <DepositSettled settlement={settle.data} />;
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
        <Deductions rows={rows} setRows={setRows} currency={currency} problem={problemOf(settle.error)} />
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

/** What settling the deposit did: returned, withheld, and credit refunded. */
function DepositSettled({ settlement: s }: { settlement: Settlement }) {
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

/** The itemised deductions (at most 20), with adding and removing them. */
function Deductions(props: {
  rows: Deduction[];
  setRows: (update: (rows: Deduction[]) => Deduction[]) => void;
  currency: string;
  problem: Problem | null;
}) {
  const { rows, setRows, problem } = props;
  const [next, setNext] = useState(1);
  const change = (key: number, patch: Partial<Deduction>) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const add = () => {
    setRows((rs) => [...rs, { key: next, reason: "", amount: "" }]);
    setNext(next + 1);
  };
  return (
    <>
      {rows.length === 0 && <p class="muted">No deductions: the whole deposit goes back.</p>}
      {rows.map((r, i) => (
        <DeductionFieldset
          key={r.key}
          index={i}
          row={r}
          currency={props.currency}
          onChange={(patch) => change(r.key, patch)}
          onRemove={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
          problem={problem}
        />
      ))}
      {problem?.fields["withheld"] && <p class="error">{problem.fields["withheld"]}</p>}
      <p>
        <button type="button" class="link" disabled={rows.length >= 20} onClick={add}>
          Add a deduction
        </button>
      </p>
    </>
  );
}

/** One deduction: why, and how much. */
function DeductionFieldset(props: {
  index: number;
  row: Deduction;
  currency: string;
  onChange: (patch: Partial<Deduction>) => void;
  onRemove: () => void;
  problem: Problem | null;
}) {
  const { index: i, row: r, onChange, problem } = props;
  return (
    <fieldset class="grid2">
      <legend>Deduction {i + 1}</legend>
      <Field
        name={`withheld-${i}-reason`}
        label={`Reason for deduction ${i + 1}`}
        value={r.reason}
        onValue={(reason) => onChange({ reason })}
        error={problem?.fields[`withheld.${i}.reason`]}
      />
      <Field
        name={`withheld-${i}-amount`}
        label={`Amount of deduction ${i + 1} (${props.currency})`}
        value={r.amount}
        onValue={(amount) => onChange({ amount })}
        inputMode="decimal"
        error={problem?.fields[`withheld.${i}.amount`]}
      />
      <div>
        <button type="button" class="link" onClick={props.onRemove}>
          Remove deduction {i + 1}
        </button>
      </div>
    </fieldset>
  );
}

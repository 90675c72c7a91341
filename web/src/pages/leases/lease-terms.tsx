import { useMutation } from "@tanstack/react-query";
import type { InferRequestType } from "hono/client";
import { useState } from "preact/hooks";
import { api, ok, type Problem } from "../../api";
import { Field } from "../../field";
import { Alert, problemOf, Saved, Select, useDraft } from "../../form";
import { toMajor, toMinor } from "../../format";
import { type LeaseView, type Policy, POLICIES, useLeaseUpdated } from "./shared";

type LateFeeRule = InferRequestType<(typeof api.v1.leases)[":id"]["late-fee-rule"]["$put"]>["json"];

const KINDS: { value: LateFeeRule["kind"]; label: string }[] = [
  { value: "fixed", label: "A fixed sum" },
  { value: "percent", label: "A share of the rent" },
  { value: "daily", label: "A sum per day, up to a cap" },
];

/** The late-fee form's values as typed, from the lease's rule (amounts in major units). */
function feeDraftOf(lease: LeaseView) {
  const r = lease.lateFeeRule;
  const major = (amount: number | undefined) =>
    amount === undefined ? "" : toMajor({ amount, currency: lease.rent.currency });
  return {
    graceDays: String(r.graceDays),
    kind: r.kind,
    amount: major(r.amount),
    pct: r.percentBps === undefined ? "" : String(r.percentBps / 100),
    cap: major(r.cap),
  };
}

type FeeDraft = ReturnType<typeof feeDraftOf>;

/** The draft as the API's rule: only the amounts its kind uses (an unknown kind goes out as percent). */
function feeRuleOf(d: FeeDraft, currency: string): LateFeeRule {
  const k: LateFeeRule["kind"] = d.kind === "fixed" || d.kind === "daily" ? d.kind : "percent";
  const money = (typed: string) => (typed.trim() === "" ? undefined : toMinor(typed, currency));
  return {
    graceDays: Number(d.graceDays),
    kind: k,
    ...(k !== "percent" ? { amount: money(d.amount) } : {}),
    ...(k === "percent" && d.pct.trim() !== "" ? { percentBps: Math.round(Number(d.pct) * 100) } : {}),
    ...(k === "daily" ? { cap: money(d.cap) } : {}),
  };
}

/** The landlord sets the lease's late fee: its grace, its kind, and how much. */
export function LateFeeForm({ lease }: { lease: LeaseView }) {
  const updated = useLeaseUpdated(lease.id);
  const currency = lease.rent.currency;
  const { draft, set } = useDraft(() => feeDraftOf(lease));
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.leases[":id"]["late-fee-rule"].$put({ param: { id: lease.id }, json: feeRuleOf(draft, currency) }),
      ),
    onSuccess: updated,
  });
  // Editing after a save takes the "Saved." away.
  const edit = (key: keyof FeeDraft) => (v: string) => {
    set(key)(v);
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
          value={draft.graceDays}
          onValue={edit("graceDays")}
          error={problem?.fields["graceDays"]}
        />
        <Select
          name="kind"
          label="Kind of fee"
          value={draft.kind}
          onValue={edit("kind")}
          options={KINDS}
          error={problem?.fields["kind"]}
        />
        <FeeAmountFields draft={draft} edit={edit} currency={currency} problem={problem} />
        <div>
          <button class="primary" type="submit" disabled={save.isPending}>
            Save late fees
          </button>
        </div>
      </form>
      {save.isPending && <p role="status">Saving…</p>}
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
    </section>
  );
}

/** How much the fee is: a percent of the rent, or a sum (per day, with a cap, for a daily fee). */
function FeeAmountFields(props: {
  draft: FeeDraft;
  edit: (key: keyof FeeDraft) => (v: string) => void;
  currency: string;
  problem: Problem | null;
}) {
  const { draft, edit, currency, problem } = props;
  return (
    <>
      {draft.kind === "percent" ? (
        <Field
          name="percent"
          label="Percent of the rent"
          value={draft.pct}
          onValue={edit("pct")}
          inputMode="decimal"
          error={problem?.fields["percentBps"]}
        />
      ) : (
        <Field
          name="amount"
          label={draft.kind === "daily" ? `Fee per day (${currency})` : `Fee (${currency})`}
          value={draft.amount}
          onValue={edit("amount")}
          inputMode="decimal"
          error={problem?.fields["amount"]}
        />
      )}
      {draft.kind === "daily" && (
        <Field
          name="cap"
          label={`Cap per invoice (${currency})`}
          value={draft.cap}
          onValue={edit("cap")}
          inputMode="decimal"
          error={problem?.fields["cap"]}
        />
      )}
    </>
  );
}

/** The landlord chooses how much of an invoice the tenant may pay at once. */
export function PolicyForm({ lease }: { lease: LeaseView }) {
  const updated = useLeaseUpdated(lease.id);
  const [policy, setPolicy] = useState<Policy>(lease.partialPolicy);
  const save = useMutation({
    mutationFn: async () =>
      ok(await api.v1.leases[":id"]["payment-policy"].$put({ param: { id: lease.id }, json: { policy } })),
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
        <Select
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
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
    </section>
  );
}

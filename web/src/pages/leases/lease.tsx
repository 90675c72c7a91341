import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../../api";
import { Alert } from "../../form";
import { day, money } from "../../format";
import { linkProps } from "../../router";
import { NoticeForm, SettleDepositForm } from "./ending";
import { Invoices } from "./invoices";
import { LateFeeForm, PolicyForm } from "./lease-terms";
import { Place } from "./leases";
import { Facts, type LeaseView, period, type Policy, POLICIES, STATUS, useMe } from "./shared";
import { StatementTable } from "./statement";

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
      <LeaseFacts lease={l} />
      <Invoices lease={l} asTenant={asTenant} />
      <StatementTable leaseId={l.id} />
      {asLandlord && <LateFeeForm lease={l} />}
      {asLandlord && <PolicyForm lease={l} />}
      {l.status === "active" && (asTenant || asLandlord) && <NoticeForm lease={l} />}
      {asLandlord && l.status === "ended" && <SettleDepositForm lease={l} />}
    </article>
  );
}

/** The lease's terms at a glance. */
function LeaseFacts({ lease: l }: { lease: LeaseView }) {
  return (
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
  );
}

const policyLabel = (p: Policy) => POLICIES.find((x) => x.value === p)?.label ?? p;

/** Basis points as a percentage in the reader's locale (250 → "2.5%"). */
function percent(bps: number): string {
  return new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 2 }).format(bps / 10_000);
}

/** The lease's late-fee rule in words ("None" when it charges none). */
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

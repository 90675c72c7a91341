import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import type { ComponentChildren } from "preact";
import { api, ok } from "../../api";
import { day } from "../../format";

/** A lease as the API answers it. */
export type LeaseView = InferResponseType<(typeof api.v1.leases)[":id"]["$get"], 200>;
export type Money = LeaseView["rent"];
export type Policy = LeaseView["partialPolicy"];

/** The signed-in user (shared with the app bar's query). */
export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: async () => ok(await api.v1.me.$get()) });
}

/** A lease's dates in words: "start – end", or from its start with no end date. */
export function period(l: { startDate: string; endDate: string | null }): string {
  return l.endDate ? `${day(l.startDate)} – ${day(l.endDate)}` : `from ${day(l.startDate)}, no end date`;
}

export const STATUS: Record<LeaseView["status"], string> = { active: "Active", ended: "Ended" };

/** The partial-payment policies: the landlord's label for each, and what it tells the tenant. */
export const POLICIES: { value: Policy; label: string; tenant: string }[] = [
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

/** Terms and their values, two to a row. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
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

/** Keeps the lease everyone reads in step with what a change answered. */
export function useLeaseUpdated(leaseId: string) {
  const client = useQueryClient();
  return (updated: LeaseView) => {
    client.setQueryData(["lease", leaseId], updated);
    void client.invalidateQueries({ queryKey: ["leases"] });
  };
}

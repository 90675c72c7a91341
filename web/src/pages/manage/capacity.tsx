import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { api, ok, Problem } from "../../api";
import { Field } from "../../field";
import { Alert, fieldError, problemOf, Saved } from "../../form";

/** How many contracts the landlord carries now, and the cap on them. */
export function CapacitySection() {
  const capacity = useQuery({
    queryKey: ["capacity"],
    queryFn: async () => ok(await api.v1.landlords.me.capacity.$get()),
  });
  return (
    <section aria-labelledby="capacity-title">
      <h2 id="capacity-title">Contracts you can carry</h2>
      <p class="muted">
        The most bookings and leases you take on at once. When you reach it, tenants cannot book your rooms and you
        cannot send offers until a contract ends or you raise it.
      </p>
      {capacity.isLoading && <p role="status">Loading your capacity…</p>}
      <Alert error={capacity.error} />
      {capacity.data && (
        <>
          <p data-testid="capacity-status">
            {capacity.data.activeContracts} running, {capacity.data.reserved} held for bookings in progress, cap{" "}
            {capacity.data.totalCapacity ?? "none"}.{" "}
            <strong>
              {capacity.data.available ? "You can take new contracts." : "You are at your cap: no new contracts."}
            </strong>
          </p>
          <CapacityForm initial={capacity.data.totalCapacity} />
        </>
      )}
    </section>
  );
}

/** The typed cap: null when empty (no cap), else a whole number or a field problem. */
function capOf(typed: string): number | null {
  const trimmed = typed.trim();
  const totalCapacity = trimmed === "" ? null : Number(trimmed);
  if (totalCapacity !== null && !Number.isInteger(totalCapacity))
    throw new Problem(422, "validation_failed", "Type a whole number, or leave it empty for no cap.", {
      totalCapacity: "must be a whole number",
    });
  return totalCapacity;
}

/** Setting the cap (empty for none); the answer becomes the cached capacity. */
function CapacityForm({ initial }: { initial: number | null }) {
  const client = useQueryClient();
  const [cap, setCap] = useState(initial === null ? "" : String(initial));
  const save = useMutation({
    mutationFn: async () => ok(await api.v1.landlords.me.capacity.$put({ json: { totalCapacity: capOf(cap) } })),
    onSuccess: (view) => client.setQueryData(["capacity"], view),
  });
  const problem = problemOf(save.error);
  return (
    <form
      class="search"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Field
        name="totalCapacity"
        label="Most contracts at once (empty for no cap)"
        type="number"
        inputMode="numeric"
        value={cap}
        onValue={setCap}
        error={fieldError(problem, "totalCapacity")}
      />
      <button class="primary" type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save capacity"}
      </button>
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
    </form>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ok } from "../api";
import { linkProps } from "../router";

/** Viewings booked in this tab, shown until the list (a read model, a moment behind) has them. */
export const JUST_BOOKED = ["just-booked-viewings"];

const when = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" }).format(new Date(iso));

/** Viewings: a tenant's own, a landlord's rooms'; either side can cancel one. */
export function Viewings() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ["viewings"],
    queryFn: async () => ok(await api.v1.viewings.$get({ query: { limit: "50" } })),
  });
  const booked = client.getQueryData<NonNullable<typeof list.data>["items"]>(JUST_BOOKED) ?? [];
  const items = list.data
    ? [...booked.filter((b) => !list.data.items.some((v) => v.id === b.id)), ...list.data.items]
    : undefined;
  const cancel = useMutation({
    mutationFn: async (id: string) => ok(await api.v1.viewings[":id"].cancel.$post({ param: { id } })),
    onSuccess: (cancelled) => {
      client.setQueryData<typeof booked>(JUST_BOOKED, (b = []) =>
        b.map((v) => (v.id === cancelled.id ? cancelled : v)),
      );
      void client.invalidateQueries({ queryKey: ["viewings"] });
    },
  });
  return (
    <section aria-labelledby="viewings-title">
      <h1 id="viewings-title">Viewings</h1>
      {list.isLoading && <p role="status">Loading…</p>}
      {(list.error ?? cancel.error) && (
        <p class="alert" role="alert">
          {((list.error ?? cancel.error) as Error).message}
        </p>
      )}
      {items && items.length === 0 && (
        <p class="muted">No viewings yet: open a place and pick a time under “Book a viewing”.</p>
      )}
      <ul class="cards">
        {items?.map((v) => (
          <li class="card" key={v.id}>
            <h2>{when(v.start)}</h2>
            <p>
              <a {...linkProps(`/listings/${v.propertyId}`)}>The place</a> · <strong>{v.status}</strong>
            </p>
            {v.status === "scheduled" && Date.parse(v.start) > Date.now() && (
              <button type="button" class="link" disabled={cancel.isPending} onClick={() => cancel.mutate(v.id)}>
                Cancel this viewing
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

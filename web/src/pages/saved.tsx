import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, done, ok } from "../api";
import { money } from "../format";
import { linkProps } from "../router";

/** A tenant's saved places and what Roomline recommends from their history, with why; the history can be cleared. */
export function Saved() {
  const client = useQueryClient();
  const saved = useQuery({
    queryKey: ["favourites"],
    queryFn: async () => ok(await api.v1.me.favourites.$get({ query: { limit: "100" } })),
  });
  const recs = useQuery({
    queryKey: ["recommendations"],
    queryFn: async () => ok(await api.v1.recommendations.$get({ query: { limit: "12" } })),
  });
  const forget = useMutation({
    mutationFn: async () => {
      await done(await api.v1.me.interactions.$delete());
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: ["recommendations"] }),
  });
  return (
    <section aria-labelledby="saved-title">
      <h1 id="saved-title">Saved and recommended</h1>
      <h2>Saved places</h2>
      {saved.error && (
        <p class="alert" role="alert">
          {(saved.error as Error).message}
        </p>
      )}
      {saved.data && saved.data.items.length === 0 && (
        <p class="muted">Nothing saved yet: press “Save” on a place you like and it waits for you here.</p>
      )}
      <ul class="cards">
        {saved.data?.items.map((f) => (
          <li class="card" key={f.propertyId}>
            <h3>
              <a {...linkProps(`/listings/${f.propertyId}`)}>{f.title}</a>
            </h3>
            <p class="muted">
              {f.city}, {f.country}
            </p>
          </li>
        ))}
      </ul>
      <h2>Recommended for you</h2>
      {recs.isLoading && <p role="status">Loading…</p>}
      {recs.error && (
        <p class="alert" role="alert">
          {(recs.error as Error).message}
        </p>
      )}
      {recs.data && recs.data.items.length === 0 && (
        <p class="muted">No recommendations yet: search, look around and save a place or two.</p>
      )}
      <ul class="cards">
        {recs.data?.items.map((r) => (
          <li class="card" key={r.roomId}>
            <h3>
              <a {...linkProps(`/listings/${r.propertyId}`)}>{r.title}</a>
            </h3>
            <p class="muted">
              {r.roomName} · {r.city} · {money(r.price)} / {r.rentalMode === "nightly" ? "night" : "month"}
            </p>
            <p>
              <em>Why: {r.reason}</em>
            </p>
          </li>
        ))}
      </ul>
      <p>
        <button
          type="button"
          class="link"
          disabled={forget.isPending}
          onClick={() => confirm("Forget your searches, views and bookings for recommendations?") && forget.mutate()}
        >
          {forget.isPending ? "Forgetting…" : "Forget my history"}
        </button>
        {forget.isSuccess && <span role="status"> Forgotten: saved places stay saved.</span>}
      </p>
    </section>
  );
}

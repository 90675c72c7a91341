import { useQuery } from "@tanstack/react-query";
import { api, ok } from "../api";
import { day, money } from "../format";

/** The signed-in user's bookings (a tenant's own, a landlord's rooms'). */
export function Bookings() {
  const list = useQuery({
    queryKey: ["bookings"],
    queryFn: async () => ok(await api.v1.bookings.$get({ query: { limit: "50" } })),
  });
  return (
    <section aria-labelledby="bookings-title">
      <h1 id="bookings-title">My bookings</h1>
      {list.isLoading && <p role="status">Loading…</p>}
      {list.error && (
        <p class="alert" role="alert">
          {(list.error as Error).message}
        </p>
      )}
      {list.data && list.data.items.length === 0 && <p class="muted">No bookings yet: find a room and book it.</p>}
      <ul class="cards">
        {list.data?.items.map((b) => (
          <li class="card" key={b.id}>
            <h2>
              {day(b.startDate)} – {day(b.endDate)}
            </h2>
            <p>
              <strong>{b.status}</strong> · {money(b.amountDue)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

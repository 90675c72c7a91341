import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { api, ok, Problem } from "../api";
import { day, money } from "../format";
import { linkProps } from "../router";

/** A booking as the API lists it. */
type BookingItem = import("hono/client").InferResponseType<typeof api.v1.bookings.$get, 200>["items"][number];

/** The signed-in user's bookings (a tenant's own, a landlord's rooms'): cancel one, review a stay. */
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
          <BookingCard key={b.id} b={b} />
        ))}
      </ul>
    </section>
  );
}

function BookingCard({ b }: { b: BookingItem }) {
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: async () => ok(await api.v1.bookings[":id"].cancel.$post({ param: { id: b.id } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["bookings"] }),
  });
  const live = b.status === "held" || b.status === "confirmed";
  return (
    <li class="card">
      <h2>
        {day(b.startDate)} – {day(b.endDate)}
      </h2>
      <p>
        <strong>{b.status.replace("_", " ")}</strong> · {money(b.amountDue)}
        {b.refunded.amount > 0 && ` · ${money(b.refunded)} refunded`}
      </p>
      <p>
        <a {...linkProps(`/listings/${b.propertyId}`)}>The place</a>
      </p>
      {live && (
        <button
          type="button"
          class="link"
          disabled={cancel.isPending}
          onClick={() => confirm("Cancel this booking? Refunds follow the room's policy.") && cancel.mutate()}
        >
          {cancel.isPending ? "Cancelling…" : "Cancel booking"}
        </button>
      )}
      {cancel.error && (
        <p class="alert" role="alert">
          {(cancel.error as Error).message}
        </p>
      )}
      {b.status === "confirmed" && b.startDate < new Date().toISOString().slice(0, 10) && <Review bookingId={b.id} />}
    </li>
  );
}

/** Review a stay (open once it ended, for 14 days; double-blind until both sides wrote). */
function Review({ bookingId }: { bookingId: string }) {
  const [rating, setRating] = useState("5");
  const [comment, setComment] = useState("");
  const post = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.bookings[":id"].reviews.$post({
          param: { id: bookingId },
          json: { rating: Number(rating), comment },
        }),
      ),
  });
  const problem = post.error instanceof Problem ? post.error : null;
  if (post.data)
    return (
      <p class="ok" role="status">
        Thank you: your review shows once the other side has written theirs, or in 14 days.
      </p>
    );
  return (
    <details>
      <summary>Review this stay</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          post.mutate();
        }}
      >
        <label>
          Rating
          <select value={rating} onChange={(e) => setRating((e.target as HTMLSelectElement).value)}>
            {["5", "4", "3", "2", "1"].map((r) => (
              <option key={r} value={r}>
                {r} of 5
              </option>
            ))}
          </select>
        </label>
        <label>
          What was it like?
          <textarea value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
          {problem?.fields["comment"] && <span class="error">{problem.fields["comment"]}</span>}
        </label>
        <button class="primary" type="submit" disabled={post.isPending}>
          {post.isPending ? "Sending…" : "Send review"}
        </button>
        {post.error && !problem?.fields["comment"] && (
          <p class="alert" role="alert">
            {(post.error as Error).message}
          </p>
        )}
      </form>
    </details>
  );
}

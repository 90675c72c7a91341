import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "preact/hooks";
import { api, ok, Problem, publicApi, signedIn } from "../api";
import { addDays, day, money, today } from "../format";
import { Field } from "../field";
import { navigate } from "../router";
import { Chat } from "./chat";

/** A property, its rooms, and booking one: hold, countdown to the hold's expiry, payment, confirmation. */
export function Listing({ id }: { id: string }) {
  const property = useQuery({
    queryKey: ["property", id],
    queryFn: async () => ok(await publicApi.v1.properties[":id"].$get({ param: { id } })),
  });
  const rooms = useQuery({
    queryKey: ["rooms", id],
    queryFn: async () =>
      ok(await publicApi.v1.properties[":id"].rooms.$get({ param: { id }, query: { limit: "100" } })),
  });
  if (property.error || rooms.error)
    return (
      <p class="alert" role="alert">
        {((property.error ?? rooms.error) as Error).message}
      </p>
    );
  if (!property.data || !rooms.data) return <p role="status">Loading…</p>;
  const p = property.data;
  return (
    <article aria-labelledby="listing-title">
      <h1 id="listing-title">{p.title}</h1>
      <p class="muted">
        {p.address.line1}, {p.address.city} · {p.type.replace("_", " ")}
      </p>
      <p>{p.description}</p>
      {p.amenities.length > 0 && <p class="muted">Amenities: {p.amenities.join(", ")}</p>}
      <Book rooms={rooms.data.items.filter((r) => r.status === "active")} />
      {signedIn() && rooms.data.items[0] && <Talk ownerId={p.ownerId} roomId={rooms.data.items[0].id} />}
    </article>
  );
}

/** Chat about the first room, as its tenant or as its landlord. */
function Talk({ ownerId, roomId }: { ownerId: string; roomId: string }) {
  const me = useQuery({ queryKey: ["me"], queryFn: async () => ok(await api.v1.me.$get()) });
  if (!me.data) return null;
  return <Chat roomId={roomId} asLandlord={me.data.id === ownerId} />;
}

type RoomItem = {
  id: string;
  name: string;
  rentalMode: "monthly" | "nightly";
  price: { amount: number; currency: string };
  capacity: number;
};

function Book({ rooms }: { rooms: RoomItem[] }) {
  const [roomId, setRoomId] = useState(rooms[0]?.id ?? "");
  const room = rooms.find((r) => r.id === roomId);
  const nightly = room?.rentalMode === "nightly";
  const [startDate, setStart] = useState(addDays(today(), 14));
  const [endDate, setEnd] = useState(addDays(today(), nightly ? 17 : 104));
  const [key] = useState(() => crypto.randomUUID());
  const book = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.bookings.$post(
          { json: { roomId, startDate, endDate, units: 1 } },
          { headers: { "idempotency-key": `${key}:${roomId}:${startDate}:${endDate}` } },
        ),
      ),
  });
  if (rooms.length === 0) return <p class="muted">No room here takes bookings right now.</p>;
  if (book.data) return <Held id={book.data.id} holdExpiresAt={book.data.holdExpiresAt} />;
  const problem = book.error instanceof Problem ? book.error : null;
  return (
    <section aria-labelledby="book-title">
      <h2 id="book-title">Book a room</h2>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          if (!signedIn()) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
          book.mutate();
        }}
      >
        <fieldset class="rooms">
          <legend>Room</legend>
          {rooms.map((r) => (
            <label key={r.id} style={{ flexDirection: "row", fontWeight: 400 }}>
              <input type="radio" name="room" value={r.id} checked={r.id === roomId} onChange={() => setRoomId(r.id)} />{" "}
              {r.name}: {money(r.price)} / {r.rentalMode === "nightly" ? "night" : "month"}
            </label>
          ))}
        </fieldset>
        <Field
          name="startDate"
          label="From"
          type="date"
          value={startDate}
          onValue={setStart}
          error={problem?.fields.startDate}
        />
        <Field
          name="endDate"
          label="Until"
          type="date"
          value={endDate}
          onValue={setEnd}
          error={problem?.fields.endDate}
        />
        <div>
          <button class="primary" type="submit" disabled={book.isPending}>
            {book.isPending ? "Holding the room…" : signedIn() ? "Book" : "Sign in to book"}
          </button>
        </div>
      </form>
      {book.error && (
        <p class="alert" role="alert">
          {(book.error as Error).message}
        </p>
      )}
    </section>
  );
}

/** A held booking: the hold's countdown, then its confirmation once the payment is in. */
function Held({ id, holdExpiresAt }: { id: string; holdExpiresAt: string }) {
  const booking = useQuery({
    queryKey: ["booking", id],
    queryFn: async () => ok(await api.v1.bookings[":id"].$get({ param: { id } })),
    refetchInterval: (q) => (q.state.data?.status === "held" || !q.state.data ? 1500 : false),
  });
  const [left, setLeft] = useState(Date.parse(holdExpiresAt) - Date.now());
  useEffect(() => {
    const t = setInterval(() => setLeft(Date.parse(holdExpiresAt) - Date.now()), 1000);
    return () => clearInterval(t);
  }, [holdExpiresAt]);
  const status = booking.data?.status ?? "held";
  if (status === "confirmed")
    return (
      <p class="ok" role="status">
        Booking confirmed: {day(booking.data!.startDate)} to {day(booking.data!.endDate)}.
      </p>
    );
  if (status !== "held")
    return (
      <p class="alert" role="status">
        This booking is {status.replace("_", " ")}.
      </p>
    );
  const mins = Math.max(0, Math.floor(left / 60_000));
  const secs = Math.max(0, Math.floor((left % 60_000) / 1000));
  return (
    <div class="notice" role="status">
      <p>
        Room held for you: pay within {mins}:{String(secs).padStart(2, "0")}.
      </p>
      <p>
        <strong>Test mode:</strong> payments go to the local Stripe stand-in, which completes this one by itself in a
        few seconds; no card is charged.
      </p>
    </div>
  );
}

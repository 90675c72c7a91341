import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "preact/hooks";
import { api, done, ok, Problem, publicApi, signedIn } from "../api";
import { addDays, day, money, today } from "../format";
import { Calendar } from "../calendar";
import { CardPayment, stripeKey } from "../card-payment";
import { Field } from "../field";
import { Gallery } from "../photos";
import { linkProps, navigate } from "../router";
import { Chat } from "./chat";
import { JUST_BOOKED } from "./viewings";

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
      <Gallery propertyId={id} title={p.title} />
      <p>{p.description}</p>
      {p.amenities.length > 0 && <p class="muted">Amenities: {p.amenities.join(", ").replaceAll("_", " ")}</p>}
      <Save propertyId={id} />
      <Book rooms={rooms.data.items.filter((r) => r.status === "active")} />
      {signedIn() && rooms.data.items[0] && <Viewing rooms={rooms.data.items.filter((r) => r.status === "active")} />}
      {signedIn() && rooms.data.items[0] && <Talk ownerId={p.ownerId} roomId={rooms.data.items[0].id} />}
      <Reviews propertyId={id} />
      <Similar propertyId={id} />
    </article>
  );
}

/** Chat about the first room, as its tenant or as its landlord. */
function Talk({ ownerId, roomId }: { ownerId: string; roomId: string }) {
  const me = useQuery({ queryKey: ["me"], queryFn: async () => ok(await api.v1.me.$get()) });
  if (!me.data) return null;
  return <Chat roomId={roomId} asLandlord={me.data.id === ownerId} />;
}

/** A room as the listing's (public) read of its property's rooms answers it. */
type RoomItem = import("hono/client").InferResponseType<
  (typeof publicApi.v1.properties)[":id"]["rooms"]["$get"],
  200
>["items"][number];

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
      {room && <Calendar roomId={room.id} title={`Availability: ${room.name}`} />}
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
      {stripeKey() ? (
        <CardPayment bookingId={id} />
      ) : (
        <p>
          <strong>Test mode:</strong> payments go to the local Stripe stand-in, which completes this one by itself in a
          few seconds; no card is charged.
        </p>
      )}
    </div>
  );
}

/** Save the property to favourites (a tenant's), or unsave it. */
function Save({ propertyId }: { propertyId: string }) {
  const client = useQueryClient();
  const me = useQuery({ queryKey: ["me"], enabled: signedIn(), queryFn: async () => ok(await api.v1.me.$get()) });
  const saved = useQuery({
    queryKey: ["favourites"],
    enabled: me.data?.role === "tenant",
    queryFn: async () => ok(await api.v1.me.favourites.$get({ query: { limit: "100" } })),
  });
  const isSaved = saved.data?.items.some((f) => f.propertyId === propertyId) ?? false;
  const toggle = useMutation({
    mutationFn: async () => {
      const param = { param: { id: propertyId } };
      await done(
        isSaved ? await api.v1.me.favourites[":id"].$delete(param) : await api.v1.me.favourites[":id"].$put(param),
      );
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["favourites"] });
      void client.invalidateQueries({ queryKey: ["recommendations"] });
    },
  });
  if (me.data?.role !== "tenant" || !saved.data) return null;
  return (
    <p>
      <button type="button" class="chip" aria-pressed={isSaved ? "true" : "false"} onClick={() => toggle.mutate()}>
        {toggle.isPending ? "Saving…" : isSaved ? "Saved ♥" : "Save ♡"}
      </button>
      {toggle.error && <span class="error"> {(toggle.error as Error).message}</span>}
    </p>
  );
}

/** Book a viewing: the room's free slots over the next two weeks (its landlord's viewing hours). */
function Viewing({ rooms }: { rooms: RoomItem[] }) {
  const client = useQueryClient();
  const [roomId, setRoomId] = useState(rooms[0]?.id ?? "");
  const [key] = useState(() => crypto.randomUUID());
  const [from] = useState(() => new Date(Date.now() + 3_600_000).toISOString().slice(0, 16) + ":00Z");
  const to = new Date(Date.parse(from) + 14 * 86_400_000).toISOString().slice(0, 16) + ":00Z";
  const slots = useQuery({
    queryKey: ["slots", roomId, from],
    enabled: roomId !== "",
    queryFn: async () =>
      ok(await api.v1.rooms[":id"]["viewing-slots"].$get({ param: { id: roomId }, query: { from, to } })),
  });
  const book = useMutation({
    mutationFn: async (start: string) =>
      ok(
        await api.v1.rooms[":id"].viewings.$post(
          { param: { id: roomId }, json: { start } },
          { headers: { "idempotency-key": `${key}:${roomId}:${start}` } },
        ),
      ),
    onSuccess: (viewing) => {
      // The viewings list is a read model a moment behind the room's calendar: remember this one meanwhile.
      client.setQueryData<(typeof viewing)[]>(JUST_BOOKED, (booked = []) => [viewing, ...booked]);
      void client.invalidateQueries({ queryKey: ["slots", roomId] });
      void client.invalidateQueries({ queryKey: ["viewings"] });
    },
  });
  const when = (iso: string) =>
    new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  return (
    <section aria-labelledby="viewing-title">
      <h2 id="viewing-title">Book a viewing</h2>
      {rooms.length > 1 && (
        <label>
          Room to view
          <select value={roomId} onChange={(e) => setRoomId((e.target as HTMLSelectElement).value)}>
            {rooms.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {book.data && (
        <p class="ok" role="status">
          Viewing booked for {when(book.data.start)}. <a {...linkProps("/viewings")}>See my viewings</a>
        </p>
      )}
      {book.error && (
        <p class="alert" role="alert">
          {(book.error as Error).message}
        </p>
      )}
      {slots.isLoading && <p role="status">Finding free times…</p>}
      {slots.error && (
        <p class="alert" role="alert">
          {(slots.error as Error).message}
        </p>
      )}
      {slots.data && slots.data.slots.length === 0 && (
        <p class="muted">No viewing times in the next two weeks: ask the landlord in the chat below.</p>
      )}
      <div class="facets">
        {slots.data?.slots.slice(0, 12).map((s) => (
          <button
            key={s.start}
            type="button"
            class="chip"
            disabled={book.isPending}
            onClick={() => book.mutate(s.start)}
          >
            {when(s.start)}
          </button>
        ))}
      </div>
    </section>
  );
}

/** What tenants wrote after their stays (shown once both sides reviewed, or the window closed). */
function Reviews({ propertyId }: { propertyId: string }) {
  const reviews = useQuery({
    queryKey: ["reviews", propertyId],
    queryFn: async () =>
      ok(await publicApi.v1.properties[":id"].reviews.$get({ param: { id: propertyId }, query: { limit: "10" } })),
  });
  if (!reviews.data) return null;
  const { rating, items } = reviews.data;
  return (
    <section aria-labelledby="reviews-title">
      <h2 id="reviews-title">Reviews</h2>
      {rating.count === 0 ? (
        <p class="muted">No reviews yet: tenants can review after their stay.</p>
      ) : (
        <p>
          <strong>{rating.average?.toFixed(1)} of 5</strong> from {rating.count}{" "}
          {rating.count === 1 ? "review" : "reviews"}
        </p>
      )}
      <ul class="cards">
        {items.map((r) => (
          <li class="card" key={r.id}>
            <p>
              <strong>{"★".repeat(r.rating)}</strong>
              <span class="sr">{r.rating} of 5</span> {r.authorName ?? "A tenant"}
            </p>
            <p>{r.comment}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Listings like this one (the listing vectors' nearest neighbours). */
function Similar({ propertyId }: { propertyId: string }) {
  const similar = useQuery({
    queryKey: ["similar", propertyId],
    queryFn: async () =>
      ok(await publicApi.v1.properties[":id"].similar.$get({ param: { id: propertyId }, query: { limit: "6" } })),
  });
  if (!similar.data || similar.data.items.length === 0) return null;
  return (
    <section aria-labelledby="similar-title">
      <h2 id="similar-title">Similar places</h2>
      <ul class="cards">
        {similar.data.items.map((s) => (
          <li class="card" key={s.roomId}>
            <h3>
              <a {...linkProps(`/listings/${s.propertyId}`)}>{s.title}</a>
            </h3>
            <p class="muted">
              {s.roomName} · {s.city}
            </p>
            <p>
              {money(s.price)} / {s.rentalMode === "nightly" ? "night" : "month"}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

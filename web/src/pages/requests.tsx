import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { api, ok, Problem, publicApi } from "../api";
import { addDays, day, money, toMajor, toMinor, today } from "../format";
import { Field } from "../field";
import { linkProps } from "../router";

/** A tenant's rental requests: post what you need near a place, see the offers, accept one. */
export function Requests() {
  const mine = useQuery({
    queryKey: ["requests"],
    queryFn: async () => ok(await api.v1["rental-requests"].$get({ query: { limit: "20" } })),
  });
  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">My rental requests</h1>
      <p class="muted">Say what you need; landlords whose rooms fit send offers, and you accept one.</p>
      <NewRequest />
      {mine.error && (
        <p class="alert" role="alert">
          {(mine.error as Error).message}
        </p>
      )}
      {mine.data && mine.data.items.length === 0 && <p class="muted">No requests yet.</p>}
      <ul class="cards">
        {mine.data?.items.map((r) => (
          <li class="card" key={r.id}>
            <h2>
              {r.city ?? "Near the point you chose"}: {money(r.budget)} /{" "}
              {r.rentalMode === "nightly" ? "night" : "month"}
            </h2>
            <p class="muted">
              From {day(r.moveIn)} to {day(r.moveOut)} · {r.status}
            </p>
            <Offers requestId={r.id} open={r.status === "open"} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewRequest() {
  const client = useQueryClient();
  const [place, setPlace] = useState("");
  const [budget, setBudget] = useState("800");
  const [mode, setMode] = useState<"monthly" | "nightly">("monthly");
  const [moveIn, setMoveIn] = useState(addDays(today(), 30));
  const [length, setLength] = useState("6");
  const post = useMutation({
    mutationFn: async () => {
      // The place is where the best search match for it is.
      const found = await ok(await publicApi.v1.search.$get({ query: { q: place, limit: "1" } }));
      const hit = found.items[0];
      if (!hit)
        throw new Problem(422, "validation_failed", `No place called “${place}” found.`, { place: "not found" });
      const currency = hit.rooms[0]?.price.currency ?? "EUR";
      const minor = toMinor(budget, currency);
      return ok(
        await api.v1["rental-requests"].$post({
          json: {
            location: hit.property.location,
            radiusKm: 10,
            city: hit.property.city,
            budget: { amount: minor, currency },
            rentalMode: mode,
            moveIn,
            ...(mode === "nightly" ? { nights: Number(length) } : { months: Number(length) }),
            units: 1,
          },
        }),
      );
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ["requests"] }),
  });
  const problem = post.error instanceof Problem ? post.error : null;
  return (
    <form
      class="grid2"
      onSubmit={(e) => {
        e.preventDefault();
        post.mutate();
      }}
    >
      <Field
        name="place"
        label="Near"
        value={place}
        onValue={setPlace}
        placeholder="Lisbon"
        error={problem?.fields["place"]}
      />
      <label>
        Stay
        <select
          name="mode"
          value={mode}
          onChange={(e) => setMode((e.target as HTMLSelectElement).value === "nightly" ? "nightly" : "monthly")}
        >
          <option value="monthly">by the month</option>
          <option value="nightly">by the night</option>
        </select>
      </label>
      <Field
        name="length"
        label={mode === "nightly" ? "Nights" : "Months"}
        value={length}
        onValue={setLength}
        type="number"
      />
      <Field
        name="moveIn"
        label="Move in"
        value={moveIn}
        onValue={setMoveIn}
        type="date"
        error={problem?.fields["moveIn"]}
      />
      <Field
        name="budget"
        label={`Budget per ${mode === "nightly" ? "night" : "month"}`}
        value={budget}
        onValue={setBudget}
        inputMode="decimal"
        error={problem?.fields["budget.amount"]}
      />
      <div>
        <button class="primary" type="submit" disabled={post.isPending || !place}>
          {post.isPending ? "Posting…" : "Post request"}
        </button>
      </div>
      {post.error && (
        <p class="alert" role="alert">
          {(post.error as Error).message}
        </p>
      )}
    </form>
  );
}

function Offers({ requestId, open }: { requestId: string; open: boolean }) {
  const client = useQueryClient();
  const offers = useQuery({
    queryKey: ["offers", requestId],
    refetchInterval: 10_000,
    queryFn: async () => ok(await api.v1["rental-requests"][":id"].offers.$get({ param: { id: requestId } })),
  });
  const accept = useMutation({
    mutationFn: async (offerId: string) =>
      ok(
        await api.v1.offers[":id"].accept.$post(
          { param: { id: offerId } },
          { headers: { "idempotency-key": `accept:${offerId}` } },
        ),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["requests"] });
      void client.invalidateQueries({ queryKey: ["offers", requestId] });
    },
  });
  if (!offers.data || offers.data.items.length === 0) return <p class="muted">No offers yet.</p>;
  return (
    <div>
      <h3>Offers</h3>
      <ul>
        {offers.data.items.map((o) => (
          <li key={o.id}>
            {money(o.price)} from {o.landlord?.name ?? "a landlord"} (score {o.landlord?.score ?? "–"}),{" "}
            {day(o.startDate)} – {day(o.endDate)} · {o.status}{" "}
            {open && o.status === "pending" && (
              <button class="primary" type="button" onClick={() => accept.mutate(o.id)} disabled={accept.isPending}>
                Accept
              </button>
            )}
          </li>
        ))}
      </ul>
      {accept.data && (
        <p class="ok" role="status">
          Accepted: the room is held for you. <a {...linkProps("/bookings")}>Pay it from My bookings</a>.
        </p>
      )}
      {accept.error && (
        <p class="alert" role="alert">
          {(accept.error as Error).message}
        </p>
      )}
    </div>
  );
}

/** A landlord's request pool: the open requests their rooms fit, best match first, and an offer for each. */
export function Pool() {
  const pool = useQuery({
    queryKey: ["pool"],
    queryFn: async () => ok(await api.v1.landlords.me["request-pool"].$get({ query: { limit: "20" } })),
  });
  return (
    <section aria-labelledby="pool-title">
      <h1 id="pool-title">Request pool</h1>
      {pool.error && (
        <p class="alert" role="alert">
          {(pool.error as Error).message}
        </p>
      )}
      {pool.data && !pool.data.available && <p class="notice">{pool.data.reason}</p>}
      {pool.data && pool.data.available && pool.data.items.length === 0 && (
        <p class="muted">No open request fits your rooms right now.</p>
      )}
      <ul class="cards">
        {pool.data?.items.map((item) => (
          <li class="card" key={item.request.id} data-request={item.request.id}>
            <h2>
              {item.request.city ?? "A request"}: {money(item.request.budget)} /{" "}
              {item.request.rentalMode === "nightly" ? "night" : "month"}
            </h2>
            <p class="muted">
              From {day(item.request.moveIn)} to {day(item.request.moveOut)} · match {item.matchScore} (
              {item.matchReason})
            </p>
            {item.request.note && <p>“{item.request.note}”</p>}
            <SendOffer requestId={item.request.id} roomId={item.roomIds[0]!} budget={item.request.budget} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function SendOffer({
  requestId,
  roomId,
  budget,
}: {
  requestId: string;
  roomId: string;
  budget: { amount: number; currency: string };
}) {
  const [amount, setAmount] = useState(toMajor(budget));
  const [key] = useState(() => crypto.randomUUID());
  const send = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1["rental-requests"][":id"].offers.$post(
          {
            param: { id: requestId },
            json: { roomId, price: { amount: toMinor(amount, budget.currency), currency: budget.currency } },
          },
          { headers: { "idempotency-key": `${key}:${amount}` } },
        ),
      ),
  });
  if (send.data)
    return (
      <p class="ok" role="status">
        Offer sent: {money(send.data.price)}, open until {day(send.data.expiresAt)}.
      </p>
    );
  const problem = send.error instanceof Problem ? send.error : null;
  return (
    <form
      class="search"
      onSubmit={(e) => {
        e.preventDefault();
        send.mutate();
      }}
    >
      <Field
        name="price"
        label={`Your price (${budget.currency})`}
        value={amount}
        onValue={setAmount}
        inputMode="decimal"
        error={problem?.fields["price.amount"]}
      />
      <button class="primary" type="submit" disabled={send.isPending}>
        Send offer
      </button>
      {send.error && (
        <p class="alert" role="alert">
          {(send.error as Error).message}
        </p>
      )}
    </form>
  );
}

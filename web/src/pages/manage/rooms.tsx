import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { InferRequestType, InferResponseType } from "hono/client";
import { useState } from "preact/hooks";
import { api, ok, type Problem } from "../../api";
import { Calendar } from "../../calendar";
import { Field } from "../../field";
import { Alert, fieldError, problemOf, Saved, Select, useDraft } from "../../form";
import { money, toMajor, toMinor } from "../../format";
import { type LandlordBookings, RoomBookings, useLandlordBookings } from "./bookings";
import { minorOf, num, type PropertyItem } from "./shared";
import { ViewingHoursSection } from "./viewing-hours";

/** A room as the API lists it under its property. */
type RoomItem = InferResponseType<(typeof api.v1.properties)[":id"]["rooms"]["$get"], 200>["items"][number];
type RentalMode = InferRequestType<(typeof api.v1.properties)[":id"]["rooms"]["$post"]>["json"]["rentalMode"];

const MODES: { value: RentalMode; label: string }[] = [
  { value: "monthly", label: "By the month" },
  { value: "nightly", label: "By the night" },
];

/** What a price is per: "night" or "month". */
function perUnit(mode: RentalMode): string {
  return mode === "nightly" ? "night" : "month";
}

/** Drops the cached room lists of a property: the landlord's and the public listing's. */
function invalidateRooms(client: QueryClient, propertyId: string) {
  void client.invalidateQueries({ queryKey: ["my-rooms", propertyId] });
  void client.invalidateQueries({ queryKey: ["rooms", propertyId] });
}

/** The property's rooms, each with its calendar, bookings and viewing hours. */
export function Rooms({ property }: { property: PropertyItem }) {
  const rooms = useQuery({
    queryKey: ["my-rooms", property.id],
    queryFn: async () =>
      ok(await api.v1.properties[":id"].rooms.$get({ param: { id: property.id }, query: { limit: "100" } })),
  });
  const bookings = useLandlordBookings();
  return (
    <section aria-labelledby="rooms-title">
      <h2 id="rooms-title">Rooms</h2>
      {rooms.isLoading && <p role="status">Loading rooms…</p>}
      <Alert error={rooms.error} />
      {rooms.data && rooms.data.items.length === 0 && (
        <p class="muted">
          No rooms yet: add one below so tenants can book it
          {property.status === "archived" ? " (archived properties take no new rooms)" : ""}.
        </p>
      )}
      {rooms.data?.items.map((room) => (
        <RoomCard
          key={room.id}
          room={room}
          propertyId={property.id}
          listed={property.status === "active" && room.status === "active"}
          bookings={bookings}
        />
      ))}
    </section>
  );
}

/** One room: its terms, editing it, and (once listed) its calendar and viewing hours. */
function RoomCard(props: { room: RoomItem; propertyId: string; listed: boolean; bookings: LandlordBookings }) {
  const { room, propertyId, listed, bookings } = props;
  const headingId = `room-${room.id}-title`;
  return (
    <section class="card" aria-labelledby={headingId} data-room={room.id}>
      <h3 id={headingId}>{room.name}</h3>
      <p>
        {money(room.price)} / {perUnit(room.rentalMode)} ·{" "}
        {room.rentalMode === "nightly" ? "By the night" : "By the month"} · capacity {room.capacity} ·{" "}
        {room.status === "archived" ? "Archived" : "Active"}
        {room.deposit.amount > 0 && <> · deposit {money(room.deposit)}</>}
      </p>
      <EditRoom room={room} propertyId={propertyId} />
      {listed ? (
        <Calendar roomId={room.id} title={`Bookings calendar: ${room.name}`} />
      ) : (
        <p class="muted">Its calendar shows once the room and its property are active.</p>
      )}
      <RoomBookings roomId={room.id} bookings={bookings} />
      {listed && <ViewingHoursSection roomId={room.id} />}
    </section>
  );
}

/** Renaming, repricing (in the room's currency) and resizing a room. */
function EditRoom({ room, propertyId }: { room: RoomItem; propertyId: string }) {
  const client = useQueryClient();
  const currency = room.price.currency;
  const [name, setName] = useState(room.name);
  const [price, setPrice] = useState(toMajor(room.price));
  const [capacity, setCapacity] = useState(String(room.capacity));
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.rooms[":id"].$patch({
          param: { id: room.id },
          json: { name, price: { amount: toMinor(price, currency), currency }, capacity: num(capacity) },
        }),
      ),
    onSuccess: () => {
      invalidateRooms(client, propertyId);
      void client.invalidateQueries({ queryKey: ["availability", room.id] });
    },
  });
  const problem = problemOf(save.error);
  const id = room.id;
  return (
    <div>
      <h4 id={`${id}-edit-title`}>Edit room</h4>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field name={`${id}-name`} label="Name" value={name} onValue={setName} error={fieldError(problem, "name")} />
        <Field
          name={`${id}-price`}
          label={`Price per ${perUnit(room.rentalMode)} (${currency})`}
          value={price}
          onValue={setPrice}
          inputMode="decimal"
          error={fieldError(problem, "price")}
        />
        <Field
          name={`${id}-capacity`}
          label="Capacity"
          type="number"
          inputMode="numeric"
          value={capacity}
          onValue={setCapacity}
          error={fieldError(problem, "capacity")}
        />
        <div>
          <button class="primary" type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save room"}
          </button>
        </div>
      </form>
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
    </div>
  );
}

/** What the new-room form holds, as typed. */
type RoomDraft = {
  name: string;
  mode: RentalMode;
  currency: string;
  price: string;
  deposit: string;
  capacity: string;
  minNights: string;
  maxNights: string;
  cancelDays: string;
};

/** What each group of the new-room fields gets. */
type RoomDraftProps = {
  draft: RoomDraft;
  set: <K extends keyof RoomDraft>(key: K) => (value: RoomDraft[K]) => void;
  problem: Problem | null;
};

const EMPTY_ROOM: RoomDraft = {
  name: "",
  mode: "monthly",
  currency: "EUR",
  price: "",
  deposit: "0",
  capacity: "1",
  minNights: "",
  maxNights: "",
  cancelDays: "14",
};

/** The draft as the API's new room (night limits only for a nightly room, and only when typed). */
function roomBody(d: RoomDraft) {
  const cur = d.currency.trim().toUpperCase();
  const nightly = d.mode === "nightly";
  return {
    name: d.name,
    rentalMode: d.mode,
    capacity: num(d.capacity),
    price: { amount: minorOf(d.price, cur, "price.currency"), currency: cur },
    deposit: { amount: minorOf(d.deposit || "0", cur, "price.currency"), currency: cur },
    freeCancellationDays: num(d.cancelDays),
    ...(nightly && d.minNights.trim() ? { minNights: num(d.minNights) } : {}),
    ...(nightly && d.maxNights.trim() ? { maxNights: num(d.maxNights) } : {}),
  };
}

/** Adding a room to the property; its name and price clear once it is added. */
export function NewRoom({ propertyId }: { propertyId: string }) {
  const client = useQueryClient();
  const { draft, set, setDraft } = useDraft(EMPTY_ROOM);
  const add = useMutation({
    mutationFn: async () =>
      ok(await api.v1.properties[":id"].rooms.$post({ param: { id: propertyId }, json: roomBody(draft) })),
    onSuccess: () => {
      invalidateRooms(client, propertyId);
      setDraft((d) => ({ ...d, name: "", price: "" }));
    },
  });
  const fields = { draft, set, problem: problemOf(add.error) };
  return (
    <section aria-labelledby="new-room-title">
      <h2 id="new-room-title">Add a room</h2>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <RoomPriceFields {...fields} />
        <RoomTermsFields {...fields} />
        <div>
          <button class="primary" type="submit" disabled={add.isPending}>
            {add.isPending ? "Adding…" : "Add room"}
          </button>
        </div>
      </form>
      <Saved show={add.isSuccess}>Room added.</Saved>
      <Alert error={add.error} />
    </section>
  );
}

/** A new room's name, rental mode, and what it costs. */
function RoomPriceFields({ draft, set, problem }: RoomDraftProps) {
  return (
    <>
      <Field
        name="new-room-name"
        label="Room name"
        value={draft.name}
        onValue={set("name")}
        error={fieldError(problem, "name")}
      />
      <Select
        name="new-room-mode"
        label="Rental mode"
        value={draft.mode}
        onValue={set("mode")}
        options={MODES}
        error={fieldError(problem, "rentalMode")}
      />
      <Field
        name="new-room-currency"
        label="Currency"
        value={draft.currency}
        onValue={set("currency")}
        placeholder="EUR"
        error={fieldError(problem, "price.currency") ?? fieldError(problem, "deposit.currency")}
      />
      <Field
        name="new-room-price"
        label={`Price per ${perUnit(draft.mode)}`}
        value={draft.price}
        onValue={set("price")}
        inputMode="decimal"
        placeholder="650"
        error={fieldError(problem, "price.amount") ?? problem?.fields["price"]}
      />
      <Field
        name="new-room-deposit"
        label="Deposit"
        value={draft.deposit}
        onValue={set("deposit")}
        inputMode="decimal"
        error={fieldError(problem, "deposit.amount") ?? problem?.fields["deposit"]}
      />
    </>
  );
}

/** A new room's capacity, cancellation terms and (by the night) its stay limits. */
function RoomTermsFields({ draft, set, problem }: RoomDraftProps) {
  return (
    <>
      <Field
        name="new-room-capacity"
        label="Capacity (units to let)"
        type="number"
        inputMode="numeric"
        value={draft.capacity}
        onValue={set("capacity")}
        error={fieldError(problem, "capacity")}
      />
      <Field
        name="new-room-cancel"
        label="Free cancellation (days before the start)"
        type="number"
        inputMode="numeric"
        value={draft.cancelDays}
        onValue={set("cancelDays")}
        error={fieldError(problem, "freeCancellationDays")}
      />
      {draft.mode === "nightly" && (
        <>
          <Field
            name="new-room-min"
            label="Minimum nights (optional)"
            type="number"
            inputMode="numeric"
            value={draft.minNights}
            onValue={set("minNights")}
            error={fieldError(problem, "minNights")}
          />
          <Field
            name="new-room-max"
            label="Maximum nights (optional)"
            type="number"
            inputMode="numeric"
            value={draft.maxNights}
            onValue={set("maxNights")}
            error={fieldError(problem, "maxNights")}
          />
        </>
      )}
    </>
  );
}

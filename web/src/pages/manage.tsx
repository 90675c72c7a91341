import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, done, ok, Problem, signedIn } from "../api";
import { Calendar } from "../calendar";
import { Field } from "../field";
import { day, money, toMajor, toMinor } from "../format";
import { linkProps, navigate } from "../router";

// ---------------------------------------------------------------------------------------------
// Shared bits

type Money = { amount: number; currency: string };
type PropertyType = "apartment" | "house" | "studio" | "shared_house" | "residence";
type RentalMode = "monthly" | "nightly";

type PropertyItem = {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  type: PropertyType;
  address: { line1: string; city: string; postalCode: string | null; country: string };
  amenities: string[];
  timezone: string;
  status: "active" | "archived";
};

type RoomItem = {
  id: string;
  name: string;
  capacity: number;
  rentalMode: RentalMode;
  price: Money;
  deposit: Money;
  status: "active" | "archived";
};

const TYPES: { value: PropertyType; label: string }[] = [
  { value: "apartment", label: "Apartment" },
  { value: "house", label: "House" },
  { value: "studio", label: "Studio" },
  { value: "shared_house", label: "Shared house" },
  { value: "residence", label: "Residence" },
];

/** The API's weekdays (0 = Sunday … 6 = Saturday), listed Monday first. */
const WEEKDAYS: { value: number; label: string }[] = [
  { value: 1, label: "Monday" },
  { value: 2, label: "Tuesday" },
  { value: 3, label: "Wednesday" },
  { value: 4, label: "Thursday" },
  { value: 5, label: "Friday" },
  { value: 6, label: "Saturday" },
  { value: 0, label: "Sunday" },
];

function problemOf(error: unknown): Problem | null {
  return error instanceof Problem ? error : null;
}

/** The API's word on `path`, or on the first field under it (`amenities` for `amenities.2`). */
function fieldError(problem: Problem | null, path: string): string | undefined {
  if (!problem) return undefined;
  if (problem.fields[path]) return problem.fields[path];
  const under = Object.keys(problem.fields).find((k) => k.startsWith(`${path}.`));
  return under ? problem.fields[under] : undefined;
}

/** A typed number; empty is NaN, which goes out as null so the API names the field. */
function num(typed: string): number {
  return typed.trim() === "" ? NaN : Number(typed);
}

function amenityList(typed: string): string[] {
  return typed
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
}

/** Minor units for a typed amount, or a field problem when the currency is no currency at all. */
function minorOf(typed: string, currency: string, path: string): number {
  try {
    return toMinor(typed, currency);
  } catch {
    throw new Problem(422, "validation_failed", "Check the currency.", {
      [path]: "must be an ISO 4217 currency code such as EUR",
    });
  }
}

function perUnit(mode: RentalMode): string {
  return mode === "nightly" ? "night" : "month";
}

function Alert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="alert" role="alert">
      {(error as Error).message}
    </p>
  );
}

function Saved({ show, children = "Saved." }: { show: boolean; children?: ComponentChildren }) {
  if (!show) return null;
  return (
    <p class="ok" role="status">
      {children}
    </p>
  );
}

/** A labelled multi-line input with the API's word under it, like `Field`. */
function TextArea(props: {
  name: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
}) {
  const errorId = `${props.name}-error`;
  return (
    <label>
      {props.label}
      <textarea
        name={props.name}
        rows={4}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onInput={(e) => props.onValue((e.target as HTMLTextAreaElement).value)}
      />
      {props.error && (
        <span id={errorId} class="error">
          {props.error}
        </span>
      )}
    </label>
  );
}

/** A labelled select with the API's word under it. */
function Select<T extends string>(props: {
  name: string;
  label: string;
  value: T;
  onValue: (value: T) => void;
  options: { value: T; label: string }[];
  error?: string;
}) {
  const errorId = `${props.name}-error`;
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={props.value}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(e) => {
          const picked = props.options.find((o) => o.value === (e.target as HTMLSelectElement).value);
          if (picked) props.onValue(picked.value);
        }}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.error && (
        <span id={errorId} class="error">
          {props.error}
        </span>
      )}
    </label>
  );
}

const MODES: { value: RentalMode; label: string }[] = [
  { value: "monthly", label: "By the month" },
  { value: "nightly", label: "By the night" },
];

function SignInFirst({ next }: { next: string }) {
  return (
    <p class="notice">
      <a {...linkProps(`/login?next=${encodeURIComponent(next)}`)}>Sign in</a> as a landlord to manage your properties.
    </p>
  );
}

// ---------------------------------------------------------------------------------------------
// /manage: my properties, a new one, my contract capacity

/** A landlord's properties (archived ones too), listing a new one, and how many contracts they carry. */
export function Manage() {
  return (
    <section aria-labelledby="manage-title">
      <h1 id="manage-title">My properties</h1>
      {signedIn() ? (
        <>
          <PropertyList />
          <NewProperty />
          <CapacitySection />
        </>
      ) : (
        <SignInFirst next="/manage" />
      )}
    </section>
  );
}

function PropertyList() {
  const list = useInfiniteQuery({
    queryKey: ["my-properties"],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.v1.properties.$get({
          query: { mine: "true", limit: "50", ...(pageParam ? { cursor: pageParam } : {}) },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      {list.isLoading && <p role="status">Loading your properties…</p>}
      <Alert error={list.error} />
      {list.data && items.length === 0 && (
        <p class="muted">No properties yet: list your first one below, then add its rooms.</p>
      )}
      {items.length > 0 && (
        <ul class="cards" aria-label="Your properties">
          {items.map((p) => (
            <li class="card" key={p.id} data-property={p.id}>
              <h2>
                <a {...linkProps(`/manage/${p.id}`)}>{p.title}</a>
              </h2>
              <p class="muted">
                {p.address.city} · {p.status === "archived" ? "Archived" : "Active"}
              </p>
            </li>
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <p>
          <button
            type="button"
            class="link"
            onClick={() => void list.fetchNextPage()}
            disabled={list.isFetchingNextPage}
          >
            {list.isFetchingNextPage ? "Loading…" : "Show more properties"}
          </button>
        </p>
      )}
    </>
  );
}

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function NewProperty() {
  const client = useQueryClient();
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [type, setType] = useState<PropertyType>("apartment");
  const [line1, setLine1] = useState("");
  const [city, setCity] = useState("");
  const [postalCode, setPostalCode] = useState("");
  const [country, setCountry] = useState("");
  const [lat, setLat] = useState("");
  const [lng, setLng] = useState("");
  const [timezone, setTimezone] = useState(browserZone);
  const [amenities, setAmenities] = useState("");
  const create = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.properties.$post({
          json: {
            title,
            description,
            type,
            address: {
              line1,
              city,
              country: country.trim().toUpperCase(),
              ...(postalCode.trim() ? { postalCode } : {}),
            },
            location: { lat: num(lat), lng: num(lng) },
            amenities: amenityList(amenities),
            timezone: timezone.trim(),
          },
        }),
      ),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: ["my-properties"] });
      navigate(`/manage/${created.id}`);
    },
  });
  const problem = problemOf(create.error);
  return (
    <section aria-labelledby="new-property-title">
      <h2 id="new-property-title">List a new property</h2>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field name="new-title" label="Title" value={title} onValue={setTitle} error={fieldError(problem, "title")} />
        <Select
          name="new-type"
          label="Type"
          value={type}
          onValue={setType}
          options={TYPES}
          error={fieldError(problem, "type")}
        />
        <TextArea
          name="new-description"
          label="Description"
          value={description}
          onValue={setDescription}
          error={fieldError(problem, "description")}
        />
        <Field
          name="new-line1"
          label="Street address"
          value={line1}
          onValue={setLine1}
          autoComplete="address-line1"
          error={fieldError(problem, "address.line1")}
        />
        <Field
          name="new-city"
          label="City"
          value={city}
          onValue={setCity}
          autoComplete="address-level2"
          error={fieldError(problem, "address.city")}
        />
        <Field
          name="new-postal"
          label="Postal code (optional)"
          value={postalCode}
          onValue={setPostalCode}
          autoComplete="postal-code"
          error={fieldError(problem, "address.postalCode")}
        />
        <Field
          name="new-country"
          label="Country code"
          value={country}
          onValue={setCountry}
          placeholder="PT"
          autoComplete="country"
          error={fieldError(problem, "address.country")}
        />
        <Field
          name="new-lat"
          label="Latitude"
          value={lat}
          onValue={setLat}
          placeholder="38.7223"
          inputMode="decimal"
          error={fieldError(problem, "location.lat") ?? fieldError(problem, "location")}
        />
        <Field
          name="new-lng"
          label="Longitude"
          value={lng}
          onValue={setLng}
          placeholder="-9.1393"
          inputMode="decimal"
          error={fieldError(problem, "location.lng")}
        />
        <Field
          name="new-timezone"
          label="Timezone"
          value={timezone}
          onValue={setTimezone}
          placeholder="Europe/Lisbon"
          error={fieldError(problem, "timezone")}
        />
        <Field
          name="new-amenities"
          label="Amenities (comma separated)"
          value={amenities}
          onValue={setAmenities}
          placeholder="wifi, washing machine"
          error={fieldError(problem, "amenities")}
        />
        <div>
          <button class="primary" type="submit" disabled={create.isPending}>
            {create.isPending ? "Listing…" : "List property"}
          </button>
        </div>
      </form>
      <Alert error={create.error} />
    </section>
  );
}

function CapacitySection() {
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

function CapacityForm({ initial }: { initial: number | null }) {
  const client = useQueryClient();
  const [cap, setCap] = useState(initial === null ? "" : String(initial));
  const save = useMutation({
    mutationFn: async () => {
      const typed = cap.trim();
      const totalCapacity = typed === "" ? null : Number(typed);
      if (totalCapacity !== null && !Number.isInteger(totalCapacity))
        throw new Problem(422, "validation_failed", "Type a whole number, or leave it empty for no cap.", {
          totalCapacity: "must be a whole number",
        });
      return ok(await api.v1.landlords.me.capacity.$put({ json: { totalCapacity } }));
    },
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

// ---------------------------------------------------------------------------------------------
// /manage/:id: one property, its rooms, their calendars, bookings and viewing hours

/** One of the landlord's properties: its details, archiving it, its rooms and adding one. */
export function ManageProperty({ id }: { id: string }) {
  if (!signedIn()) return <SignInFirst next={`/manage/${id}`} />;
  return <PropertyScreen id={id} />;
}

function PropertyScreen({ id }: { id: string }) {
  const property = useQuery({
    queryKey: ["my-property", id],
    queryFn: async () => ok(await api.v1.properties[":id"].$get({ param: { id } })),
  });
  const me = useQuery({ queryKey: ["me"], queryFn: async () => ok(await api.v1.me.$get()) });
  if (property.error) return <Alert error={property.error} />;
  if (!property.data) return <p role="status">Loading…</p>;
  const p = property.data;
  const mine = !me.data || me.data.id === p.ownerId;
  return (
    <article aria-labelledby="property-title">
      <p>
        <a {...linkProps("/manage")}>Back to my properties</a>
      </p>
      <h1 id="property-title">{p.title}</h1>
      <p class="muted">
        {p.address.line1}, {p.address.city} · {TYPES.find((t) => t.value === p.type)?.label ?? p.type} ·{" "}
        {p.status === "archived" ? "Archived" : "Active"} · <a {...linkProps(`/listings/${p.id}`)}>See the listing</a>
      </p>
      {!mine ? (
        <p class="notice">This property is not yours, so you cannot change it.</p>
      ) : (
        <>
          {p.status === "archived" && (
            <p class="notice">
              This property is archived: it is out of search and takes no new rooms or bookings. Its bookings and leases
              go on.
            </p>
          )}
          <PropertyDetails property={p} />
          <Rooms property={p} />
          {p.status === "active" && <NewRoom propertyId={p.id} />}
        </>
      )}
    </article>
  );
}

function invalidateProperty(client: ReturnType<typeof useQueryClient>, id: string) {
  void client.invalidateQueries({ queryKey: ["my-property", id] });
  void client.invalidateQueries({ queryKey: ["my-properties"] });
  void client.invalidateQueries({ queryKey: ["property", id] });
}

function PropertyDetails({ property }: { property: PropertyItem }) {
  const client = useQueryClient();
  const [title, setTitle] = useState(property.title);
  const [description, setDescription] = useState(property.description);
  const [amenities, setAmenities] = useState(property.amenities.join(", "));
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.properties[":id"].$patch({
          param: { id: property.id },
          json: { title, description, amenities: amenityList(amenities) },
        }),
      ),
    onSuccess: (updated) => {
      client.setQueryData(["my-property", property.id], updated);
      invalidateProperty(client, property.id);
    },
  });
  const archive = useMutation({
    mutationFn: async () => done(await api.v1.properties[":id"].$delete({ param: { id: property.id } })),
    onSuccess: () => invalidateProperty(client, property.id),
  });
  const problem = problemOf(save.error);
  return (
    <section aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Field name="title" label="Title" value={title} onValue={setTitle} error={fieldError(problem, "title")} />
        <TextArea
          name="description"
          label="Description"
          value={description}
          onValue={setDescription}
          error={fieldError(problem, "description")}
        />
        <Field
          name="amenities"
          label="Amenities (comma separated)"
          value={amenities}
          onValue={setAmenities}
          error={fieldError(problem, "amenities")}
        />
        <div>
          <button class="primary" type="submit" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save changes"}
          </button>
        </div>
      </form>
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
      {property.status === "active" && (
        <p>
          <button
            type="button"
            class="link"
            disabled={archive.isPending}
            onClick={() => {
              if (
                confirm(
                  `Archive “${property.title}”? It leaves search and takes no new rooms or bookings; this cannot be undone here.`,
                )
              )
                archive.mutate();
            }}
          >
            {archive.isPending ? "Archiving…" : "Archive property"}
          </button>
        </p>
      )}
      <Saved show={archive.isSuccess}>Archived.</Saved>
      <Alert error={archive.error} />
    </section>
  );
}

type BookingItem = {
  id: string;
  roomId: string;
  startDate: string;
  endDate: string;
  units: number;
  status: string;
  amountDue: Money;
};

/** Every booking of the landlord's rooms (the list has no room filter), a page of 100 at a time. */
function useLandlordBookings() {
  return useQuery({
    queryKey: ["bookings", "all"],
    queryFn: async () => {
      const all: BookingItem[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const got = await ok(await api.v1.bookings.$get({ query: { limit: "100", ...(cursor ? { cursor } : {}) } }));
        all.push(...got.items);
        if (!got.nextCursor) break;
        cursor = got.nextCursor;
      }
      return all;
    },
  });
}

function Rooms({ property }: { property: PropertyItem }) {
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

function RoomCard({
  room,
  propertyId,
  listed,
  bookings,
}: {
  room: RoomItem;
  propertyId: string;
  listed: boolean;
  bookings: ReturnType<typeof useLandlordBookings>;
}) {
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
      void client.invalidateQueries({ queryKey: ["my-rooms", propertyId] });
      void client.invalidateQueries({ queryKey: ["rooms", propertyId] });
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

function RoomBookings({ roomId, bookings }: { roomId: string; bookings: ReturnType<typeof useLandlordBookings> }) {
  const mine = bookings.data?.filter((b) => b.roomId === roomId) ?? [];
  return (
    <div>
      <h4 id={`${roomId}-bookings-title`}>Bookings</h4>
      {bookings.isLoading && <p role="status">Loading bookings…</p>}
      <Alert error={bookings.error} />
      {bookings.data && mine.length === 0 && (
        <p class="muted">No bookings of this room yet. Tenants book it from its listing.</p>
      )}
      {mine.length > 0 && (
        <ul>
          {mine.map((b) => (
            <li key={b.id}>
              {day(b.startDate)} – {day(b.endDate)} · {b.status.replace("_", " ")} · {money(b.amountDue)}
              {b.units > 1 && <> · {b.units} units</>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type Hours = {
  slotMinutes: number;
  bufferMinutes: number;
  minNoticeHours: number;
  horizonDays: number;
  windows: { weekday: number; start: string; end: string }[];
};

function ViewingHoursSection({ roomId }: { roomId: string }) {
  const hours = useQuery({
    queryKey: ["viewing-hours", roomId],
    queryFn: async (): Promise<Hours | null> => {
      try {
        return await ok(await api.v1.rooms[":id"]["viewing-hours"].$get({ param: { id: roomId } }));
      } catch (err) {
        // A room without viewing hours answers 404: nothing set yet.
        if (err instanceof Problem && err.status === 404) return null;
        throw err;
      }
    },
  });
  return (
    <div>
      <h4 id={`${roomId}-hours-title`}>Viewing hours</h4>
      {hours.isLoading && <p role="status">Loading viewing hours…</p>}
      <Alert error={hours.error} />
      {hours.data !== undefined && <ViewingHoursForm roomId={roomId} initial={hours.data} />}
    </div>
  );
}

type WindowRow = { key: number; weekday: number; start: string; end: string };

let rowKeys = 0;

function ViewingHoursForm({ roomId, initial }: { roomId: string; initial: Hours | null }) {
  const client = useQueryClient();
  const [windows, setWindows] = useState<WindowRow[]>(() =>
    (initial?.windows ?? []).map((w) => ({ ...w, key: rowKeys++ })),
  );
  const [slot, setSlot] = useState(String(initial?.slotMinutes ?? 30));
  const [buffer, setBuffer] = useState(String(initial?.bufferMinutes ?? 0));
  const [notice, setNotice] = useState(String(initial?.minNoticeHours ?? 24));
  const [horizon, setHorizon] = useState(String(initial?.horizonDays ?? 30));
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.v1.rooms[":id"]["viewing-hours"].$put({
          param: { id: roomId },
          json: {
            slotMinutes: num(slot),
            bufferMinutes: num(buffer),
            minNoticeHours: num(notice),
            horizonDays: num(horizon),
            windows: windows.map((w) => ({ weekday: w.weekday, start: w.start.trim(), end: w.end.trim() })),
          },
        }),
      ),
    onSuccess: (stored) => client.setQueryData(["viewing-hours", roomId], stored),
  });
  const problem = problemOf(save.error);
  const change = (key: number, patch: Partial<WindowRow>) =>
    setWindows((ws) => ws.map((w) => (w.key === key ? { ...w, ...patch } : w)));
  const weekdayOptions = WEEKDAYS.map((d) => ({ value: String(d.value), label: d.label }));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <p class="muted">Weekly windows, in the property's timezone, when tenants can book a viewing.</p>
      {windows.length === 0 && <p class="muted">No viewing windows: add one so tenants can book viewings.</p>}
      {windows.map((w, i) => (
        <fieldset key={w.key} class="grid2">
          <legend>Window {i + 1}</legend>
          <Select
            name={`${roomId}-w${i}-weekday`}
            label="Day"
            value={String(w.weekday)}
            onValue={(v) => change(w.key, { weekday: Number(v) })}
            options={weekdayOptions}
            error={fieldError(problem, `windows.${i}.weekday`)}
          />
          <Field
            name={`${roomId}-w${i}-start`}
            label="From"
            placeholder="10:00"
            value={w.start}
            onValue={(v) => change(w.key, { start: v })}
            error={fieldError(problem, `windows.${i}.start`)}
          />
          <Field
            name={`${roomId}-w${i}-end`}
            label="To"
            placeholder="13:00"
            value={w.end}
            onValue={(v) => change(w.key, { end: v })}
            error={fieldError(problem, `windows.${i}.end`) ?? problem?.fields[`windows.${i}`]}
          />
          <div>
            <button type="button" class="link" onClick={() => setWindows((ws) => ws.filter((x) => x.key !== w.key))}>
              Remove window {i + 1}
            </button>
          </div>
        </fieldset>
      ))}
      <p>
        <button
          type="button"
          class="link"
          onClick={() => setWindows((ws) => [...ws, { key: rowKeys++, weekday: 6, start: "10:00", end: "13:00" }])}
        >
          Add a window
        </button>
      </p>
      {problem?.fields["windows"] && <p class="error">{problem.fields["windows"]}</p>}
      <div class="grid2">
        <Field
          name={`${roomId}-slot`}
          label="Viewing length (minutes)"
          type="number"
          inputMode="numeric"
          value={slot}
          onValue={setSlot}
          error={fieldError(problem, "slotMinutes")}
        />
        <Field
          name={`${roomId}-buffer`}
          label="Gap between viewings (minutes)"
          type="number"
          inputMode="numeric"
          value={buffer}
          onValue={setBuffer}
          error={fieldError(problem, "bufferMinutes")}
        />
        <Field
          name={`${roomId}-notice`}
          label="Notice needed (hours)"
          type="number"
          inputMode="numeric"
          value={notice}
          onValue={setNotice}
          error={fieldError(problem, "minNoticeHours")}
        />
        <Field
          name={`${roomId}-horizon`}
          label="Bookable ahead (days)"
          type="number"
          inputMode="numeric"
          value={horizon}
          onValue={setHorizon}
          error={fieldError(problem, "horizonDays")}
        />
      </div>
      <p>
        <button class="primary" type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save viewing hours"}
        </button>
      </p>
      <Saved show={save.isSuccess} />
      <Alert error={save.error} />
    </form>
  );
}

function NewRoom({ propertyId }: { propertyId: string }) {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [mode, setMode] = useState<RentalMode>("monthly");
  const [currency, setCurrency] = useState("EUR");
  const [price, setPrice] = useState("");
  const [deposit, setDeposit] = useState("0");
  const [capacity, setCapacity] = useState("1");
  const [minNights, setMinNights] = useState("");
  const [maxNights, setMaxNights] = useState("");
  const [cancelDays, setCancelDays] = useState("14");
  const add = useMutation({
    mutationFn: async () => {
      const cur = currency.trim().toUpperCase();
      const nightly = mode === "nightly";
      return ok(
        await api.v1.properties[":id"].rooms.$post({
          param: { id: propertyId },
          json: {
            name,
            rentalMode: mode,
            capacity: num(capacity),
            price: { amount: minorOf(price, cur, "price.currency"), currency: cur },
            deposit: { amount: minorOf(deposit || "0", cur, "price.currency"), currency: cur },
            freeCancellationDays: num(cancelDays),
            ...(nightly && minNights.trim() ? { minNights: num(minNights) } : {}),
            ...(nightly && maxNights.trim() ? { maxNights: num(maxNights) } : {}),
          },
        }),
      );
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["my-rooms", propertyId] });
      void client.invalidateQueries({ queryKey: ["rooms", propertyId] });
      setName("");
      setPrice("");
    },
  });
  const problem = problemOf(add.error);
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
        <Field
          name="new-room-name"
          label="Room name"
          value={name}
          onValue={setName}
          error={fieldError(problem, "name")}
        />
        <Select
          name="new-room-mode"
          label="Rental mode"
          value={mode}
          onValue={setMode}
          options={MODES}
          error={fieldError(problem, "rentalMode")}
        />
        <Field
          name="new-room-currency"
          label="Currency"
          value={currency}
          onValue={setCurrency}
          placeholder="EUR"
          error={fieldError(problem, "price.currency") ?? fieldError(problem, "deposit.currency")}
        />
        <Field
          name="new-room-price"
          label={`Price per ${perUnit(mode)}`}
          value={price}
          onValue={setPrice}
          inputMode="decimal"
          placeholder="650"
          error={fieldError(problem, "price.amount") ?? problem?.fields["price"]}
        />
        <Field
          name="new-room-deposit"
          label="Deposit"
          value={deposit}
          onValue={setDeposit}
          inputMode="decimal"
          error={fieldError(problem, "deposit.amount") ?? problem?.fields["deposit"]}
        />
        <Field
          name="new-room-capacity"
          label="Capacity (units to let)"
          type="number"
          inputMode="numeric"
          value={capacity}
          onValue={setCapacity}
          error={fieldError(problem, "capacity")}
        />
        <Field
          name="new-room-cancel"
          label="Free cancellation (days before the start)"
          type="number"
          inputMode="numeric"
          value={cancelDays}
          onValue={setCancelDays}
          error={fieldError(problem, "freeCancellationDays")}
        />
        {mode === "nightly" && (
          <>
            <Field
              name="new-room-min"
              label="Minimum nights (optional)"
              type="number"
              inputMode="numeric"
              value={minNights}
              onValue={setMinNights}
              error={fieldError(problem, "minNights")}
            />
            <Field
              name="new-room-max"
              label="Maximum nights (optional)"
              type="number"
              inputMode="numeric"
              value={maxNights}
              onValue={setMaxNights}
              error={fieldError(problem, "maxNights")}
            />
          </>
        )}
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

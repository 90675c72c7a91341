import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ok, type Problem, signedIn } from "../../api";
import { Field } from "../../field";
import { Alert, fieldError, problemOf, Select, useDraft } from "../../form";
import { linkProps, navigate } from "../../router";
import { CapacitySection } from "./capacity";
import { amenityList, num, type PropertyType, SignInFirst, TextArea, TYPES } from "./shared";

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

/** The landlord's properties, 50 at a time. */
function useMyProperties() {
  return useInfiniteQuery({
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
}

/** The landlord's properties, each linking to its screen, with more on demand. */
function PropertyList() {
  const list = useMyProperties();
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
                {p.address.city} ·{" "}
                {p.status === "archived" ? "Archived" : p.moderation ? "Hidden by Roomline" : "Active"}
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

/** The browser's timezone, the likeliest one for a new property. */
function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** What the new-property form holds, as typed. */
type PropertyDraft = {
  title: string;
  description: string;
  type: PropertyType;
  line1: string;
  city: string;
  postalCode: string;
  country: string;
  lat: string;
  lng: string;
  timezone: string;
  amenities: string;
};

/** What each group of the new-property fields gets. */
type DraftProps = {
  draft: PropertyDraft;
  set: <K extends keyof PropertyDraft>(key: K) => (value: PropertyDraft[K]) => void;
  problem: Problem | null;
};

function emptyProperty(): PropertyDraft {
  return {
    title: "",
    description: "",
    type: "apartment",
    line1: "",
    city: "",
    postalCode: "",
    country: "",
    lat: "",
    lng: "",
    timezone: browserZone(),
    amenities: "",
  };
}

/** The draft as the API's new property. */
function propertyBody(d: PropertyDraft) {
  return {
    title: d.title,
    description: d.description,
    type: d.type,
    address: {
      line1: d.line1,
      city: d.city,
      country: d.country.trim().toUpperCase(),
      ...(d.postalCode.trim() ? { postalCode: d.postalCode } : {}),
    },
    location: { lat: num(d.lat), lng: num(d.lng) },
    amenities: amenityList(d.amenities),
    timezone: d.timezone.trim(),
  };
}

/** Listing a new property; once created, its own screen opens to add rooms. */
function NewProperty() {
  const client = useQueryClient();
  const { draft, set } = useDraft(emptyProperty);
  const create = useMutation({
    mutationFn: async () => ok(await api.v1.properties.$post({ json: propertyBody(draft) })),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: ["my-properties"] });
      navigate(`/manage/${created.id}`);
    },
  });
  const fields = { draft, set, problem: problemOf(create.error) };
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
        <AboutFields {...fields} />
        <AddressFields {...fields} />
        <PlaceFields {...fields} />
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

/** Title, type and description of a new property. */
function AboutFields({ draft, set, problem }: DraftProps) {
  return (
    <>
      <Field
        name="new-title"
        label="Title"
        value={draft.title}
        onValue={set("title")}
        error={fieldError(problem, "title")}
      />
      <Select
        name="new-type"
        label="Type"
        value={draft.type}
        onValue={set("type")}
        options={TYPES}
        error={fieldError(problem, "type")}
      />
      <TextArea
        name="new-description"
        label="Description"
        value={draft.description}
        onValue={set("description")}
        error={fieldError(problem, "description")}
      />
    </>
  );
}

/** A new property's postal address. */
function AddressFields({ draft, set, problem }: DraftProps) {
  return (
    <>
      <Field
        name="new-line1"
        label="Street address"
        value={draft.line1}
        onValue={set("line1")}
        autoComplete="address-line1"
        error={fieldError(problem, "address.line1")}
      />
      <Field
        name="new-city"
        label="City"
        value={draft.city}
        onValue={set("city")}
        autoComplete="address-level2"
        error={fieldError(problem, "address.city")}
      />
      <Field
        name="new-postal"
        label="Postal code (optional)"
        value={draft.postalCode}
        onValue={set("postalCode")}
        autoComplete="postal-code"
        error={fieldError(problem, "address.postalCode")}
      />
      <Field
        name="new-country"
        label="Country code"
        value={draft.country}
        onValue={set("country")}
        placeholder="PT"
        autoComplete="country"
        error={fieldError(problem, "address.country")}
      />
    </>
  );
}

/** Where a new property is on the map, its timezone and its amenities. */
function PlaceFields({ draft, set, problem }: DraftProps) {
  return (
    <>
      <Field
        name="new-lat"
        label="Latitude"
        value={draft.lat}
        onValue={set("lat")}
        placeholder="38.7223"
        inputMode="decimal"
        error={fieldError(problem, "location.lat") ?? fieldError(problem, "location")}
      />
      <Field
        name="new-lng"
        label="Longitude"
        value={draft.lng}
        onValue={set("lng")}
        placeholder="-9.1393"
        inputMode="decimal"
        error={fieldError(problem, "location.lng")}
      />
      <Field
        name="new-timezone"
        label="Timezone"
        value={draft.timezone}
        onValue={set("timezone")}
        placeholder="Europe/Lisbon"
        error={fieldError(problem, "timezone")}
      />
      <Field
        name="new-amenities"
        label="Amenities (comma separated)"
        value={draft.amenities}
        onValue={set("amenities")}
        placeholder="wifi, washing machine"
        error={fieldError(problem, "amenities")}
      />
    </>
  );
}

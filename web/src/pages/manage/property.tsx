import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { api, done, ok, signedIn } from "../../api";
import { Field } from "../../field";
import { Alert, fieldError, problemOf, Saved } from "../../form";
import { linkProps } from "../../router";
import { NewRoom, Rooms } from "./rooms";
import { amenityList, type PropertyItem, SignInFirst, TextArea, TYPES } from "./shared";
import { PhotoManager } from "../../photos";

/** One of the landlord's properties: its details, archiving it, its rooms and adding one. */
export function ManageProperty({ id }: { id: string }) {
  if (!signedIn()) return <SignInFirst next={`/manage/${id}`} />;
  return <PropertyScreen id={id} />;
}

/** The property once signed in; someone else's is shown but not editable. */
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
      <PropertyHeading property={p} />
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
          {p.moderation && (
            <p class="notice" role="alert">
              {p.moderation.ownerSuspended
                ? "Your account is suspended: this property is out of search and takes no bookings."
                : `Roomline has hidden this property from search and bookings: ${p.moderation.reason ?? "no reason given"}.`}{" "}
              Its bookings and leases go on.
            </p>
          )}
          <PropertyDetails property={p} />
          <PhotoManager propertyId={p.id} />
          <Rooms property={p} />
          {p.status === "active" && <NewRoom propertyId={p.id} />}
        </>
      )}
    </article>
  );
}

/** The way back, the property's title, and a line on what and where it is. */
function PropertyHeading({ property: p }: { property: PropertyItem }) {
  return (
    <>
      <p>
        <a {...linkProps("/manage")}>Back to my properties</a>
      </p>
      <h1 id="property-title">{p.title}</h1>
      <p class="muted">
        {p.address.line1}, {p.address.city} · {TYPES.find((t) => t.value === p.type)?.label ?? p.type} ·{" "}
        {p.status === "archived" ? "Archived" : "Active"} · <a {...linkProps(`/listings/${p.id}`)}>See the listing</a>
      </p>
    </>
  );
}

/** Drops every cached read of the property: the landlord's, their list's, and the public listing's. */
function invalidateProperty(client: QueryClient, id: string) {
  void client.invalidateQueries({ queryKey: ["my-property", id] });
  void client.invalidateQueries({ queryKey: ["my-properties"] });
  void client.invalidateQueries({ queryKey: ["property", id] });
}

/** Editing the title, description and amenities; archiving sits under them. */
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
      <ArchiveProperty property={property} />
    </section>
  );
}

/** Archiving the property, once confirmed (there is no undoing it here). */
function ArchiveProperty({ property }: { property: PropertyItem }) {
  const client = useQueryClient();
  const archive = useMutation({
    mutationFn: async () => done(await api.v1.properties[":id"].$delete({ param: { id: property.id } })),
    onSuccess: () => invalidateProperty(client, property.id),
  });
  const confirmed = () =>
    confirm(
      `Archive “${property.title}”? It leaves search and takes no new rooms or bookings; this cannot be undone here.`,
    );
  return (
    <>
      {property.status === "active" && (
        <p>
          <button
            type="button"
            class="link"
            disabled={archive.isPending}
            onClick={() => {
              if (confirmed()) archive.mutate();
            }}
          >
            {archive.isPending ? "Archiving…" : "Archive property"}
          </button>
        </p>
      )}
      <Saved show={archive.isSuccess}>Archived.</Saved>
      <Alert error={archive.error} />
    </>
  );
}

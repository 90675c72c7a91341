import { useQuery } from "@tanstack/react-query";
import { api, ok, publicApi } from "../../api";
import { Alert } from "../../form";
import { money } from "../../format";
import { linkProps } from "../../router";
import { period, STATUS, useMe } from "./shared";

/** The signed-in user's leases, as tenant or landlord. */
export function Leases() {
  const me = useMe();
  const list = useQuery({
    queryKey: ["leases"],
    queryFn: async () => ok(await api.v1.leases.$get({ query: { limit: "100" } })),
  });
  return (
    <section aria-labelledby="leases-title">
      <h1 id="leases-title">Leases</h1>
      {list.isLoading && <p role="status">Loading…</p>}
      <Alert error={list.error} />
      {list.data && list.data.items.length === 0 && (
        <p class="muted">
          {me.data?.role === "landlord"
            ? "No leases yet: when a tenant books one of your rooms by the month, its lease appears here."
            : "No leases yet: book a room by the month and its lease appears here."}
        </p>
      )}
      <ul class="cards">
        {list.data?.items.map((l) => (
          <li class="card" key={l.id}>
            <h2>
              <a {...linkProps(`/leases/${l.id}`)}>Lease: {period(l)}</a>
            </h2>
            <Place roomId={l.roomId} propertyId={l.propertyId} />
            <p>
              {money(l.rent)} / month · <strong>{STATUS[l.status]}</strong>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** "Room, Property" when the catalog still shows them; nothing otherwise. */
export function Place({ roomId, propertyId, link }: { roomId: string; propertyId: string; link?: boolean }) {
  const property = useQuery({
    // Read without the token: a tenant's read of a property counts as a view for their recommendations.
    queryKey: ["property", propertyId],
    queryFn: async () => ok(await publicApi.v1.properties[":id"].$get({ param: { id: propertyId } })),
    retry: false,
  });
  const room = useQuery({
    queryKey: ["room", roomId],
    queryFn: async () => ok(await publicApi.v1.rooms[":id"].$get({ param: { id: roomId } })),
    retry: false,
  });
  if (!property.data && !room.data) return null;
  const title = property.data?.title;
  return (
    <p class="muted">
      {room.data?.name}
      {room.data && title && ", "}
      {title && (link ? <a {...linkProps(`/listings/${propertyId}`)}>{title}</a> : title)}
      {property.data && ` · ${property.data.address.city}`}
    </p>
  );
}

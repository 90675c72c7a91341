import { useQueries, useQuery } from "@tanstack/react-query";
import { useState } from "preact/hooks";
import { api, ok } from "../api";
import { Chat } from "./chat";

/**
 * A landlord's inbox across rooms: every room of every property, its threads' unread counts (each
 * room's own chat object answers for its threads), newest first; open one to answer live.
 */
export function Inbox() {
  const properties = useQuery({
    queryKey: ["properties", "mine"],
    queryFn: async () => ok(await api.v1.properties.$get({ query: { mine: "true", limit: "100" } })),
  });
  const rooms = useQueries({
    queries: (properties.data?.items ?? []).map((p) => ({
      queryKey: ["rooms", p.id],
      queryFn: async () =>
        ok(await api.v1.properties[":id"].rooms.$get({ param: { id: p.id }, query: { limit: "100" } })),
    })),
  });
  const allRooms = rooms.flatMap((r, i) =>
    (r.data?.items ?? []).map((room) => ({ ...room, property: properties.data!.items[i]!.title })),
  );
  const threads = useQueries({
    queries: allRooms.map((room) => ({
      queryKey: ["threads", room.id],
      refetchInterval: 15_000,
      queryFn: async () => ok(await api.v1.rooms[":id"].threads.$get({ param: { id: room.id }, query: {} })),
    })),
  });
  const [open, setOpen] = useState<string | null>(null);
  const withThreads = allRooms
    .map((room, i) => {
      const items = threads[i]?.data?.items ?? [];
      return {
        room,
        count: items.length,
        unread: items.reduce((n, t) => n + t.unread, 0),
        last: items.reduce((l, t) => (t.lastMessageAt && t.lastMessageAt > l ? t.lastMessageAt : l), ""),
      };
    })
    .filter((r) => r.count > 0)
    .sort((a, b) => b.last.localeCompare(a.last));
  const loading = properties.isLoading || rooms.some((r) => r.isLoading) || threads.some((t) => t.isLoading);
  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">Inbox</h1>
      {loading && <p role="status">Loading conversations…</p>}
      {properties.error && (
        <p class="alert" role="alert">
          {(properties.error as Error).message}
        </p>
      )}
      {!loading && withThreads.length === 0 && (
        <p class="muted">No messages yet: tenants write from your listings’ pages, and their threads appear here.</p>
      )}
      <ul class="cards">
        {withThreads.map(({ room, count, unread }) => (
          <li class="card" key={room.id}>
            <h2>
              <button type="button" class="link" onClick={() => setOpen(room.id)} aria-pressed={open === room.id}>
                {room.property}: {room.name}
              </button>
            </h2>
            <p class="muted">
              {count} {count === 1 ? "conversation" : "conversations"}
              {unread > 0 && (
                <span class="badge" aria-label={`${unread} unread`}>
                  {unread}
                </span>
              )}
            </p>
          </li>
        ))}
      </ul>
      {open && <Chat key={open} roomId={open} asLandlord />}
    </section>
  );
}

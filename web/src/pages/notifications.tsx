import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "preact/hooks";
import { api, ok } from "../api";

/**
 * How many notices are unread: the header's badge. Live: the user's notification socket (a
 * single-use ticket first) says when one arrives, and the count is asked again at once; a minute's
 * poll covers a dropped socket, which reconnects after a pause.
 */
export function useUnread(enabled: boolean) {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const connect = async () => {
      try {
        const ticket = await ok(await api.v1.notifications.tickets.$post());
        if (gone) return;
        socket = new WebSocket(ticket.url);
        socket.onmessage = (e) => {
          if ((JSON.parse(String(e.data)) as { type?: string }).type !== "notification") return;
          void client.invalidateQueries({ queryKey: ["unread"] });
          void client.invalidateQueries({ queryKey: ["notifications"] });
        };
        socket.onclose = () => {
          if (!gone) retry = setTimeout(connect, 10_000);
        };
      } catch {
        if (!gone) retry = setTimeout(connect, 30_000);
      }
    };
    void connect();
    return () => {
      gone = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [enabled]);
  return useQuery({
    queryKey: ["unread"],
    enabled,
    refetchInterval: 60_000,
    queryFn: async () => ok(await api.v1.notifications["unread-count"].$get()),
  });
}

export function Notifications() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ["notifications"],
    queryFn: async () => ok(await api.v1.notifications.$get({ query: { limit: "50" } })),
  });
  const readAll = useMutation({
    mutationFn: async () => ok(await api.v1.notifications.read.$post({ json: { all: true } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["notifications"] });
      void client.invalidateQueries({ queryKey: ["unread"] });
    },
  });
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      {list.isLoading && <p role="status">Loading…</p>}
      {list.error && (
        <p class="alert" role="alert">
          {(list.error as Error).message}
        </p>
      )}
      {list.data && list.data.items.length === 0 && (
        <p class="muted">Nothing yet: bookings, payments, offers and messages will show here.</p>
      )}
      {list.data && list.data.items.some((n) => !n.readAt) && (
        <button class="primary" type="button" onClick={() => readAll.mutate()} disabled={readAll.isPending}>
          Mark all as read
        </button>
      )}
      <ul class="cards">
        {list.data?.items.map((n) => (
          <li class="card" key={n.id}>
            <h2>
              {!n.readAt && <span class="sr">Unread: </span>}
              {n.title}
            </h2>
            <p>{n.body}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

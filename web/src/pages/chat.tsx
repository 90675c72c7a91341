import { useEffect, useRef, useState } from "preact/hooks";
import { api, ok } from "../api";

interface Message {
  id: string;
  threadId: string;
  from: string;
  text: string;
  sentAt: string;
}
interface Thread {
  id: string;
  tenantId: string;
  lastMessageAt: string | null;
}

/**
 * Live chat about a room over the room's WebSocket (a single-use ticket from the API first; no
 * token in the URL). A tenant has one thread with the landlord; the room's landlord sees every
 * tenant's thread and answers in the one they pick.
 */
export function Chat({ roomId, asLandlord }: { roomId: string; asLandlord: boolean }) {
  const socket = useRef<WebSocket | null>(null);
  /** Sent frames waiting for their ack (the sending socket gets an ack, not the message back). */
  const pending = useRef(new Map<string, { threadId: string; text: string }>());
  const [me, setMe] = useState("");
  const meRef = useRef("");
  const [threads, setThreads] = useState<Thread[]>([]);
  const [threadId, setThreadId] = useState<string | null>(null);
  const [messages, setMessages] = useState<Record<string, Message[]>>({});
  const [status, setStatus] = useState("Connecting…");
  const [text, setText] = useState("");

  useEffect(() => {
    let gone = false;
    const add = (m: Message) =>
      setMessages((all) => {
        const list = all[m.threadId] ?? [];
        return list.some((x) => x.id === m.id) ? all : { ...all, [m.threadId]: [...list, m] };
      });
    (async () => {
      const ticket = await ok(await api.v1.rooms[":id"].chat.tickets.$post({ param: { id: roomId } }));
      if (gone) return;
      const ws = new WebSocket(ticket.url);
      socket.current = ws;
      ws.onopen = () => setStatus("");
      ws.onclose = () => !gone && setStatus("Disconnected: reload to reconnect.");
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data));
        if (f.type === "hello") {
          setMe(f.userId);
          meRef.current = f.userId;
          setThreads(f.threads);
          const first = [...f.threads].sort((a: Thread, b: Thread) =>
            (b.lastMessageAt ?? "").localeCompare(a.lastMessageAt ?? ""),
          )[0];
          if (first) {
            setThreadId(first.id);
            for (const t of f.threads) ws.send(JSON.stringify({ type: "history", threadId: t.id }));
          }
        } else if (f.type === "history") {
          for (const m of [...f.messages].reverse()) add(m);
        } else if (f.type === "message") {
          add(f);
          setThreads((ts) =>
            ts.some((t) => t.id === f.threadId)
              ? ts
              : [...ts, { id: f.threadId, tenantId: f.from, lastMessageAt: f.sentAt }],
          );
          setThreadId((current) => current ?? f.threadId);
        } else if (f.type === "ack") {
          const sent = pending.current.get(f.clientId);
          pending.current.delete(f.clientId);
          if (sent) add({ id: f.id, threadId: sent.threadId, from: meRef.current, text: sent.text, sentAt: f.sentAt });
        } else if (f.type === "error") setStatus(f.detail);
      };
    })().catch((err: Error) => setStatus(err.message));
    return () => {
      gone = true;
      socket.current?.close();
    };
  }, [roomId]);

  const send = (e: Event) => {
    e.preventDefault();
    const body = text.trim();
    if (!body || !threadId || !socket.current) return;
    const clientId = crypto.randomUUID();
    pending.current.set(clientId, { threadId, text: body });
    socket.current.send(JSON.stringify({ type: "message", threadId, clientId, text: body }));
    setText("");
  };
  const shown = threadId ? (messages[threadId] ?? []) : [];
  return (
    <section aria-labelledby="chat-title" class="chat">
      <h2 id="chat-title">{asLandlord ? "Messages about this room" : "Chat with the landlord"}</h2>
      {status && <p role="status">{status}</p>}
      {asLandlord && threads.length > 1 && (
        <label>
          Conversation
          <select value={threadId ?? ""} onChange={(e) => setThreadId((e.target as HTMLSelectElement).value)}>
            {threads.map((t, i) => (
              <option key={t.id} value={t.id}>
                Tenant {i + 1}
              </option>
            ))}
          </select>
        </label>
      )}
      {asLandlord && threads.length === 0 && !status && <p class="muted">No tenant has written about this room yet.</p>}
      <ol class="messages" aria-live="polite">
        {shown.map((m) => (
          <li key={m.id} class={m.from === me ? "mine" : "theirs"}>
            <span class="sr">{m.from === me ? "You" : asLandlord ? "Tenant" : "Landlord"}: </span>
            {m.text}
          </li>
        ))}
      </ol>
      {threadId && (
        <form onSubmit={send} class="search">
          <label>
            Message
            <input
              name="message"
              value={text}
              maxLength={4000}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
            />
          </label>
          <button class="primary" type="submit">
            Send
          </button>
        </form>
      )}
    </section>
  );
}

/**
 * The chat benchmark's peer: a plain Node `ws` server, the usual self-hosted choice, routing
 * Roomline's chat frames with the same rules (one thread per tenant and room; a message goes to the
 * other open sockets of the thread's tenant and the room's landlord; an ack to the sender; a resent
 * clientId is stored once) and nothing else: no tickets, no rate limit, messages kept in memory
 * only. Run in its own process: `CHAT_PEER_PORT=… node --import tsx bench/chat-peer.ts`.
 * A client connects to `/?room=<id>&user=<id>&role=tenant|landlord`.
 */
import { randomUUID } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";

interface Party {
  user: string;
  role: "tenant" | "landlord";
  room: string;
}

interface Room {
  landlord: string | null;
  /** Open sockets by user id. */
  sockets: Map<string, Set<WebSocket>>;
  /** Stored messages by thread, and the clientIds seen (the dedupe). */
  seen: Map<string, Map<string, { id: string; sentAt: string }>>;
}

const rooms = new Map<string, Room>();
const port = Number(process.env.CHAT_PEER_PORT);
const server = new WebSocketServer({ port, host: "127.0.0.1" });

server.on("connection", (ws, req) => {
  const q = new URL(req.url ?? "/", "http://peer").searchParams;
  const who: Party = {
    user: q.get("user")!,
    role: q.get("role") === "landlord" ? "landlord" : "tenant",
    room: q.get("room")!,
  };
  const room = roomOf(who.room);
  if (who.role === "landlord") room.landlord = who.user;
  const mine = room.sockets.get(who.user) ?? new Set<WebSocket>();
  room.sockets.set(who.user, mine.add(ws));
  const threadId = who.role === "tenant" ? `thr_${who.user}` : null;
  ws.send(
    JSON.stringify({ type: "hello", userId: who.user, roomId: who.room, threads: threadId ? [{ id: threadId }] : [] }),
  );
  ws.on("message", (raw) => onFrame(ws, who, room, threadId, String(raw)));
  ws.on("close", () => mine.delete(ws));
});

server.on("listening", () => console.log(`listening on ${port}`));

function roomOf(id: string): Room {
  let room = rooms.get(id);
  if (!room) {
    room = { landlord: null, sockets: new Map(), seen: new Map() };
    rooms.set(id, room);
  }
  return room;
}

function onFrame(ws: WebSocket, who: Party, room: Room, ownThread: string | null, raw: string): void {
  let frame: { type?: string; threadId?: string; clientId?: string; text?: string };
  try {
    frame = JSON.parse(raw);
  } catch {
    return void ws.send(JSON.stringify({ type: "error", code: "bad_frame" }));
  }
  if (frame.type !== "message" || !frame.threadId || !frame.clientId || typeof frame.text !== "string")
    return void ws.send(JSON.stringify({ type: "error", code: "bad_frame" }));
  if (who.role === "tenant" && frame.threadId !== ownThread)
    return void ws.send(JSON.stringify({ type: "error", code: "thread_not_found" }));
  const thread = room.seen.get(frame.threadId) ?? new Map();
  room.seen.set(frame.threadId, thread);
  const key = `${who.user}\n${frame.clientId}`;
  const prior = thread.get(key);
  if (prior) return void ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, ...prior }));
  const stored = { id: `msg_${randomUUID()}`, sentAt: new Date().toISOString() };
  thread.set(key, stored);
  ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, ...stored }));
  const out = JSON.stringify({
    type: "message",
    ...stored,
    threadId: frame.threadId,
    from: who.user,
    text: frame.text,
  });
  const tenant = frame.threadId.slice("thr_".length);
  for (const user of new Set([tenant, room.landlord])) {
    for (const socket of room.sockets.get(user ?? "") ?? []) if (socket !== ws) socket.send(out);
  }
}

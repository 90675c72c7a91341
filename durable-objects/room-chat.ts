import { DurableObject } from "cloudflare:workers";
import {
  ClientFrame,
  type ChatMessage,
  type ChatThread,
  type MarkRead,
  type SendMessage,
  type ServerFrame,
} from "../schema/chat-frames";
import type { z } from "zod";
import { decodeCursor, encodeCursor } from "../workers/domain/cursor";
import { newId } from "../workers/domain/ids";
import { log } from "../workers/log";
import { QuotaLeases } from "./quota-leases";
import { migrate } from "./sqlite-migrations";

/** Who is on a socket or asking over RPC: the worker checked their ticket or token and the room's owner. */
export interface ChatParty {
  userId: string;
  /** `landlord` only for the room's own landlord; every other caller is a tenant with one thread. */
  party: "tenant" | "landlord";
  roomId: string;
  landlordId: string;
}

/** Kept on each socket (serializeAttachment), so it survives hibernation and eviction. */
interface SocketTag {
  userId: string;
  party: "tenant" | "landlord";
  /** A tenant's own thread; null for the landlord, who sees them all. */
  threadId: string | null;
}

/** At most one "unread message" notification per thread and recipient per this window. */
export const UNREAD_NOTICE_MS = 10 * 60_000;
const FLUSH_RETRY_MS = 30_000;
/** Frames one CHAT_LIMITER count stands for, and the binding's period (wrangler.toml: 12 leases per 10 s = 60 frames). */
export const CHAT_FRAMES_PER_LEASE = 5;
const CHAT_LIMIT_WINDOW_MS = 10_000;
const HISTORY_PAGE = 50;

const MIGRATIONS = [
  `CREATE TABLE room (id INTEGER PRIMARY KEY CHECK (id = 1), room_id TEXT NOT NULL, landlord_id TEXT NOT NULL);
   CREATE TABLE threads (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_message_at TEXT,
     tenant_read_seq INTEGER NOT NULL DEFAULT 0, landlord_read_seq INTEGER NOT NULL DEFAULT 0,
     tenant_noticed_at INTEGER, landlord_noticed_at INTEGER);
   CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, thread_id TEXT NOT NULL,
     sender_id TEXT NOT NULL, client_id TEXT NOT NULL, text TEXT NOT NULL, sent_at TEXT NOT NULL,
     UNIQUE (thread_id, sender_id, client_id));
   CREATE INDEX messages_thread ON messages (thread_id, seq);
   CREATE TABLE outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL);`,
];

interface ThreadRow {
  id: string;
  tenant_id: string;
  created_at: string;
  last_message_at: string | null;
  tenant_read_seq: number;
  landlord_read_seq: number;
  tenant_noticed_at: number | null;
  landlord_noticed_at: number | null;
  [key: string]: SqlStorageValue;
}

interface MessageRow {
  seq: number;
  id: string;
  thread_id: string;
  sender_id: string;
  text: string;
  sent_at: string;
  [key: string]: SqlStorageValue;
}

/**
 * One per room: chat between each tenant and the room's landlord, one private thread per tenant.
 * Sockets are accepted with the hibernation API, so an idle one costs nothing and outlives the
 * object's eviction; who is on a socket lives in its attachment and its tag (the user id). History
 * is in the object's SQLite. A recipient with no socket here is told through the queue: the
 * notice goes into this object's outbox with the message, and the alarm sends it.
 */
export class RoomChat extends DurableObject<Env> {
  #sql: SqlStorage;
  #roomCache: { roomId: string; landlordId: string } | null | undefined;
  readonly #quota: QuotaLeases;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#quota = new QuotaLeases(env.CHAT_LIMITER, CHAT_FRAMES_PER_LEASE, CHAT_LIMIT_WINDOW_MS);
    ctx.blockConcurrencyWhile(async () => migrate(this.#sql, MIGRATIONS));
  }

  /** A WebSocket upgrade forwarded by the worker, which put the checked party in `x-chat-party`. */
  override async fetch(request: Request): Promise<Response> {
    const who = JSON.parse(request.headers.get("x-chat-party") ?? "null") as ChatParty | null;
    if (!who || request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade from the worker", { status: 400 });
    this.#meet(who);
    const threadId = who.party === "tenant" ? this.#threadOf(who.userId, true)!.id : null;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [who.userId]);
    server.serializeAttachment({ userId: who.userId, party: who.party, threadId } satisfies SocketTag);
    this.#send(server, { type: "hello", userId: who.userId, roomId: who.roomId, threads: this.#threadsFor(who) });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Threads the party may see: the landlord all of the room's, a tenant their own (if they have written or connected). */
  threads(who: ChatParty, limit: number, after: string | null): { items: ChatThread[]; nextCursor: string | null } {
    this.#meet(who);
    const rows = this.#threadsFor(who, limit + 1, after);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.id) : null };
  }

  /** A thread's messages, newest first, before the cursor's message; null when the party may not see the thread. */
  messages(
    who: ChatParty,
    threadId: string,
    limit: number,
    before: string | null,
  ): { items: ChatMessage[]; nextCursor: string | null } | null {
    this.#meet(who);
    const thread = this.#visibleThread(who, threadId);
    return thread ? this.#page(thread.id, limit, before) : null;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const tag = ws.deserializeAttachment() as SocketTag;
    // Every frame counts, a malformed one too: a flood of garbage costs the object as much as one of messages.
    if (!(await this.#quota.take(tag.userId))) return this.#error(ws, "rate_limited", "too many frames: slow down");
    let frame: ClientFrame;
    try {
      const parsed = ClientFrame.safeParse(JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)));
      if (!parsed.success) return this.#error(ws, "bad_frame", parsed.error.issues[0]?.message ?? "not a chat frame");
      frame = parsed.data;
    } catch {
      return this.#error(ws, "bad_frame", "frames are JSON");
    }
    const thread = this.#threadForSocket(tag, frame.threadId);
    if (!thread) return this.#error(ws, "thread_not_found", "no such thread here");
    if (frame.type === "message") this.#post(ws, tag, thread, frame);
    else if (frame.type === "read") this.#markRead(ws, tag, thread, frame);
    else if (frame.type === "typing")
      this.#deliver(thread, { type: "typing", threadId: thread.id, by: tag.userId }, ws, tag.userId);
    else this.#send(ws, { type: "history", threadId: thread.id, ...this.#historyFrame(thread.id, frame.before) });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed by the runtime
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(1011, "socket error");
    } catch {
      // already closed
    }
  }

  /** Sends the outbox's notices; what fails stays for the next alarm. */
  override async alarm(): Promise<void> {
    const rows = this.#sql.exec<{ id: string; body: string }>("SELECT id, body FROM outbox LIMIT 100").toArray();
    if (rows.length === 0) return;
    try {
      await this.env.EVENTS.sendBatch(rows.map((r) => ({ body: JSON.parse(r.body) as unknown, contentType: "json" })));
    } catch (err) {
      log("warn", "chat notices deferred", { count: rows.length, err: String(err).slice(0, 200) });
      await this.ctx.storage.setAlarm(Date.now() + FLUSH_RETRY_MS);
      return;
    }
    for (const r of rows) this.#sql.exec("DELETE FROM outbox WHERE id = ?", r.id);
    if (this.#sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0)
      await this.ctx.storage.setAlarm(Date.now());
  }

  /** Stores a message once per clientId, acknowledges it, delivers it, and notices an absent recipient. */
  #post(ws: WebSocket, tag: SocketTag, thread: ThreadRow, frame: z.infer<typeof SendMessage>): void {
    const prior = this.#sql
      .exec<MessageRow>(
        "SELECT * FROM messages WHERE thread_id = ? AND sender_id = ? AND client_id = ?",
        thread.id,
        tag.userId,
        frame.clientId,
      )
      .toArray()[0];
    if (prior) return this.#send(ws, { type: "ack", clientId: frame.clientId, id: prior.id, sentAt: prior.sent_at });
    const message: ChatMessage = {
      id: newId("msg"),
      threadId: thread.id,
      from: tag.userId,
      text: frame.text,
      sentAt: new Date().toISOString(),
    };
    const recipient = tag.party === "tenant" ? this.#room()!.landlordId : thread.tenant_id;
    const notice = this.#noticeDue(thread, tag.party === "tenant" ? "landlord" : "tenant", recipient);
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        "INSERT INTO messages (id, thread_id, sender_id, client_id, text, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
        message.id,
        thread.id,
        tag.userId,
        frame.clientId,
        message.text,
        message.sentAt,
      );
      // Writing is reading what came before: the sender's read mark moves to their own message.
      this.#sql.exec(
        `UPDATE threads SET last_message_at = ?, ${tag.party}_read_seq = (SELECT seq FROM messages WHERE id = ?) WHERE id = ?`,
        message.sentAt,
        message.id,
        thread.id,
      );
      if (notice) this.#notice(thread, recipient, tag.party === "tenant" ? "landlord" : "tenant", message);
    });
    this.#send(ws, { type: "ack", clientId: frame.clientId, id: message.id, sentAt: message.sentAt });
    this.#deliver(thread, { type: "message", ...message }, ws);
  }

  #markRead(ws: WebSocket, tag: SocketTag, thread: ThreadRow, frame: z.infer<typeof MarkRead>): void {
    const upTo = this.#sql
      .exec<{ seq: number }>("SELECT seq FROM messages WHERE id = ? AND thread_id = ?", frame.upTo, thread.id)
      .toArray()[0];
    if (!upTo) return this.#error(ws, "message_not_found", "upTo must be a message of this thread");
    this.#sql.exec(
      `UPDATE threads SET ${tag.party}_read_seq = MAX(${tag.party}_read_seq, ?) WHERE id = ?`,
      upTo.seq,
      thread.id,
    );
    this.#deliver(thread, { type: "read", threadId: thread.id, by: tag.userId, upTo: frame.upTo }, ws);
  }

  /** True when the recipient has no socket here and was not told about this thread in the last window. */
  #noticeDue(thread: ThreadRow, party: "tenant" | "landlord", recipient: string): boolean {
    if (this.ctx.getWebSockets(recipient).length > 0) return false;
    const last = thread[`${party}_noticed_at`];
    return last === null || Date.now() - last >= UNREAD_NOTICE_MS;
  }

  #notice(thread: ThreadRow, recipient: string, party: "tenant" | "landlord", message: ChatMessage): void {
    const event = {
      id: newId("evt"),
      type: "chat.message_unread",
      occurredAt: message.sentAt,
      data: {
        roomId: this.#room()!.roomId,
        threadId: thread.id,
        messageId: message.id,
        senderId: message.from,
        recipientId: recipient,
        preview: [...message.text].slice(0, 140).join(""),
      },
    };
    this.#sql.exec("INSERT INTO outbox (id, body) VALUES (?, ?)", event.id, JSON.stringify(event));
    this.#sql.exec(`UPDATE threads SET ${party}_noticed_at = ? WHERE id = ?`, Date.now(), thread.id);
    void this.ctx.storage.setAlarm(Date.now());
  }

  /** A frame to every open socket of the thread's two parties, except the one it came from (and, for typing, the sender's). */
  #deliver(thread: ThreadRow, frame: ServerFrame, from: WebSocket, skipUser?: string): void {
    const text = JSON.stringify(frame);
    for (const userId of [thread.tenant_id, this.#room()!.landlordId]) {
      if (userId === skipUser) continue;
      for (const socket of this.ctx.getWebSockets(userId)) {
        if (socket === from) continue;
        try {
          socket.send(text);
        } catch {
          // closing: it will get the message from history
        }
      }
    }
  }

  #send(ws: WebSocket, frame: ServerFrame): void {
    ws.send(JSON.stringify(frame));
  }

  #error(ws: WebSocket, code: string, detail: string): void {
    this.#send(ws, { type: "error", code, detail });
  }

  #historyFrame(threadId: string, before: string | undefined): { messages: ChatMessage[]; nextCursor: string | null } {
    const page = this.#page(threadId, HISTORY_PAGE, before ? decodeCursor(before) : null);
    return { messages: page.items, nextCursor: page.nextCursor };
  }

  #page(threadId: string, limit: number, before: string | null): { items: ChatMessage[]; nextCursor: string | null } {
    const beforeSeq = before
      ? (this.#sql.exec<{ seq: number }>("SELECT seq FROM messages WHERE id = ?", before).toArray()[0]?.seq ?? 0)
      : Number.MAX_SAFE_INTEGER;
    const rows = this.#sql
      .exec<MessageRow>(
        "SELECT * FROM messages WHERE thread_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        threadId,
        beforeSeq,
        limit + 1,
      )
      .toArray();
    const items = rows
      .slice(0, limit)
      .map((r) => ({ id: r.id, threadId: r.thread_id, from: r.sender_id, text: r.text, sentAt: r.sent_at }));
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.id) : null };
  }

  /** Records the room and its landlord on first contact, and follows a change of owner (a read otherwise, not a write). */
  #meet(who: ChatParty): void {
    const known = this.#room();
    if (known?.roomId === who.roomId && known.landlordId === who.landlordId) return;
    this.#sql.exec(
      "INSERT INTO room (id, room_id, landlord_id) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET landlord_id = excluded.landlord_id",
      who.roomId,
      who.landlordId,
    );
    this.#roomCache = undefined;
  }

  /** The room and its landlord, read once per instance (every frame needs them). */
  #room(): { roomId: string; landlordId: string } | null {
    if (this.#roomCache === undefined) {
      const row = this.#sql
        .exec<{ room_id: string; landlord_id: string }>("SELECT room_id, landlord_id FROM room")
        .toArray()[0];
      this.#roomCache = row ? { roomId: row.room_id, landlordId: row.landlord_id } : null;
    }
    return this.#roomCache;
  }

  #threadOf(tenantId: string, create: boolean): ThreadRow | null {
    const found = this.#sql.exec<ThreadRow>("SELECT * FROM threads WHERE tenant_id = ?", tenantId).toArray()[0];
    if (found || !create) return found ?? null;
    this.#sql.exec(
      "INSERT INTO threads (id, tenant_id, created_at) VALUES (?, ?, ?)",
      newId("thr"),
      tenantId,
      new Date().toISOString(),
    );
    return this.#threadOf(tenantId, false);
  }

  #visibleThread(who: { userId: string; party: "tenant" | "landlord" }, threadId: string): ThreadRow | null {
    const thread = this.#sql.exec<ThreadRow>("SELECT * FROM threads WHERE id = ?", threadId).toArray()[0];
    if (!thread) return null;
    return who.party === "landlord" || thread.tenant_id === who.userId ? thread : null;
  }

  #threadForSocket(tag: SocketTag, threadId: string): ThreadRow | null {
    if (tag.party === "tenant" && threadId !== tag.threadId) return null;
    return this.#visibleThread(tag, threadId);
  }

  #threadsFor(who: ChatParty, limit = 100, after: string | null = null): ChatThread[] {
    const own = who.party === "tenant";
    const rows = this.#sql
      .exec<ThreadRow & { unread: number }>(
        `SELECT t.*, (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND m.sender_id != ?
            AND m.seq > ${own ? "t.tenant_read_seq" : "t.landlord_read_seq"}) AS unread
         FROM threads t WHERE ${own ? "t.tenant_id = ?" : "? IS NOT NULL"} AND t.id > ? ORDER BY t.id LIMIT ?`,
        who.userId,
        who.userId,
        after ?? "",
        limit,
      )
      .toArray();
    return rows.map((r) => ({
      id: r.id,
      roomId: who.roomId,
      tenantId: r.tenant_id,
      landlordId: who.landlordId,
      createdAt: r.created_at,
      lastMessageAt: r.last_message_at,
      unread: r.unread,
    }));
  }
}

import type { ChatParty } from "../../durable-objects/room-chat";
import { findRoom } from "../data/catalog";
import { insertTicket, liveTicket, spendTicket, type SocketTicketRow } from "../data/socket-tickets";
import { randomToken, sha256Hex } from "../domain/ids";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { isListed } from "../domain/listing";

/** A ticket opens one socket within this time, once. */
export const TICKET_TTL_MS = 60_000;

export interface Ticket {
  ticket: string;
  url: string;
  expiresAt: string;
}

/**
 * Who may chat about a room: any tenant (each gets a private thread with the landlord) while the
 * room is listed, and the room's own landlord always. Everyone else: 404, as for a room they cannot see.
 */
async function partyOf(deps: Deps, user: AuthUser, roomId: string): Promise<ChatParty> {
  const found = await findRoom(deps.db, roomId);
  if (!found) throw new AppError("not_found", "No such room.");
  const landlordId = found.property.ownerId;
  if (user.id === landlordId) return { userId: user.id, party: "landlord", roomId, landlordId };
  const listed = found.room.status === "active" && isListed(found.property);
  if (user.role !== "tenant" || !listed) throw new AppError("not_found", "No such room.");
  return { userId: user.id, party: "tenant", roomId, landlordId };
}

function chatOf(deps: Deps, roomId: string) {
  return deps.env.ROOM_CHAT.get(deps.env.ROOM_CHAT.idFromName(roomId));
}

/** A single-use ticket for a socket at `path`: stored hashed, so the D1 row alone opens nothing. */
async function issue(
  deps: Deps,
  user: AuthUser,
  scope: SocketTicketRow["scope"],
  roomId: string | null,
  socketUrl: URL,
): Promise<Ticket> {
  const ticket = randomToken();
  const expiresAt = new Date(Date.now() + TICKET_TTL_MS).toISOString();
  await insertTicket(deps.db, {
    tokenHash: await sha256Hex(ticket),
    userId: user.id,
    role: user.role,
    scope,
    roomId,
    expiresAt,
    usedAt: null,
  });
  socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
  socketUrl.searchParams.set("ticket", ticket);
  return { ticket, url: socketUrl.toString(), expiresAt };
}

export async function chatTicket(deps: Deps, user: AuthUser, roomId: string, origin: string): Promise<Ticket> {
  await partyOf(deps, user, roomId);
  const url = new URL("/v1/chat", origin);
  url.searchParams.set("roomId", roomId);
  return issue(deps, user, "chat", roomId, url);
}

export async function inboxTicket(deps: Deps, user: AuthUser, origin: string): Promise<Ticket> {
  return issue(deps, user, "inbox", null, new URL("/v1/notifications/socket", origin));
}

const refused = () => new AppError("unauthorized", "The ticket is unknown, used, expired or for another socket.");

/**
 * Spends a ticket of `scope` (and, for chat, of the room the URL names, when it names one).
 * Checked before any upgrade: a refused ticket answers 401 over plain HTTP.
 */
export async function spend(
  deps: Deps,
  ticket: string,
  scope: SocketTicketRow["scope"],
  roomId?: string,
): Promise<SocketTicketRow> {
  const row = await spendTicket(deps.db, await sha256Hex(ticket), new Date().toISOString());
  if (!row || row.scope !== scope || (roomId !== undefined && row.roomId !== roomId)) throw refused();
  return row;
}

/**
 * A socket URL asked over plain HTTP: a ticket that would be refused is refused (401) the same as
 * on an upgrade; a good one is left unspent, and the caller is told to upgrade (426).
 */
export async function refuseWithoutUpgrade(
  deps: Deps,
  ticket: string,
  scope: SocketTicketRow["scope"],
  roomId?: string,
): Promise<never> {
  const row = await liveTicket(deps.db, await sha256Hex(ticket), new Date().toISOString());
  if (!row || row.scope !== scope || (roomId !== undefined && row.roomId !== roomId)) throw refused();
  throw new AppError("upgrade_required", "Open this URL as a WebSocket.", { headers: { upgrade: "websocket" } });
}

/** Opens a chat socket: the ticket is spent first, then the room's object accepts the upgrade. */
export async function openChat(deps: Deps, ticket: string, roomId: string | undefined): Promise<Response> {
  const row = await spend(deps, ticket, "chat", roomId);
  // The room may have changed hands or left the listings since the ticket was issued: ask again.
  const who = await partyOf(deps, { id: row.userId, role: row.role }, row.roomId!).catch(() => {
    throw refused();
  });
  return chatOf(deps, who.roomId).fetch("https://room-chat/connect", {
    headers: { upgrade: "websocket", "x-chat-party": JSON.stringify(who) },
  });
}

/** Opens the user's live notification socket on their own inbox object. */
export async function openInbox(deps: Deps, ticket: string): Promise<Response> {
  const row = await spend(deps, ticket, "inbox");
  const inbox = deps.env.USER_INBOX.get(deps.env.USER_INBOX.idFromName(row.userId));
  return inbox.fetch("https://user-inbox/connect", { headers: { upgrade: "websocket", "x-inbox-user": row.userId } });
}

export async function threads(deps: Deps, user: AuthUser, roomId: string, q: { limit: number; cursor: string | null }) {
  const who = await partyOf(deps, user, roomId);
  return chatOf(deps, roomId).threads(who, q.limit, q.cursor);
}

export async function messages(
  deps: Deps,
  user: AuthUser,
  roomId: string,
  threadId: string,
  q: { limit: number; before: string | null },
) {
  const who = await partyOf(deps, user, roomId);
  const page = await chatOf(deps, roomId).messages(who, threadId, q.limit, q.before);
  if (!page) throw new AppError("not_found", "No such thread.");
  return page;
}

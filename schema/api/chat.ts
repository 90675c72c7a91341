import { z } from "@hono/zod-openapi";
import { MAX_MESSAGE_CHARS } from "../chat-frames";
import { Cursor, Instant, idOf, pageOf, PageQuery } from "./common";

export const SocketTicket = z
  .object({
    ticket: z.string().openapi({ description: "Single use, valid 60 s, bound to you (and, for chat, the room)" }),
    url: z.string().openapi({ example: "wss://api.roomline.dev/v1/chat?roomId=room_0mfz3k2a1x7q4b9c2&ticket=…" }),
    expiresAt: Instant,
  })
  .openapi("SocketTicket");

export const ChatSocketQuery = z.object({
  ticket: z.string().min(1).max(100),
  roomId: idOf("room").optional().openapi({ description: "When given, must be the ticket's room" }),
});

export const ChatThread = z
  .object({
    id: z.string(),
    roomId: z.string(),
    tenantId: z.string(),
    landlordId: z.string(),
    createdAt: Instant,
    lastMessageAt: Instant.nullable(),
    unread: z.number().int().openapi({ description: "The other party's messages after your read mark" }),
  })
  .openapi("ChatThread");
export const ChatThreadPage = pageOf(ChatThread).openapi("ChatThreadPage");

export const ChatMessage = z
  .object({
    id: z.string(),
    threadId: z.string(),
    from: z.string().openapi({ description: "The sender's user id" }),
    text: z.string().max(MAX_MESSAGE_CHARS),
    sentAt: Instant,
  })
  .openapi("ChatMessage");
export const ChatMessagePage = pageOf(ChatMessage).openapi("ChatMessagePage");

export const ThreadParams = z.object({ id: idOf("room"), threadId: idOf("thr") });
export const MessagesQuery = z.object({
  limit: PageQuery.shape.limit,
  before: Cursor.openapi({ type: "string", description: "The `nextCursor` of the previous (newer) page" }),
});

import { z } from "zod";

/**
 * WebSocket frames of room chat (RoomChat Durable Object). Every inbound frame is parsed by
 * `ClientFrame`; anything else is answered with an `error` frame, never by closing silently.
 */
export const MAX_MESSAGE_CHARS = 4000;

export const SendMessage = z.object({
  type: z.literal("message"),
  threadId: z.string().min(1).max(64),
  /** Chosen by the client per message: a resent frame with the same clientId is stored once. */
  clientId: z.string().min(1).max(64),
  text: z.string().min(1).max(MAX_MESSAGE_CHARS),
});

export const MarkRead = z.object({
  type: z.literal("read"),
  threadId: z.string().min(1).max(64),
  upTo: z.string().min(1).max(64),
});
export const Typing = z.object({ type: z.literal("typing"), threadId: z.string().min(1).max(64) });
export const LoadHistory = z.object({
  type: z.literal("history"),
  threadId: z.string().min(1).max(64),
  before: z.string().max(64).optional(),
});

/** What a client may send. */
export const ClientFrame = z.discriminatedUnion("type", [SendMessage, MarkRead, Typing, LoadHistory]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** A message as stored and delivered. */
export interface ChatMessage {
  id: string;
  threadId: string;
  from: string;
  text: string;
  sentAt: string;
}

/** A thread as its viewer sees it: `unread` counts the other party's messages past the viewer's read mark. */
export interface ChatThread {
  id: string;
  roomId: string;
  tenantId: string;
  landlordId: string;
  createdAt: string;
  lastMessageAt: string | null;
  unread: number;
}

/** What the server sends. */
export type ServerFrame =
  | { type: "hello"; userId: string; roomId: string; threads: ChatThread[] }
  | { type: "ack"; clientId: string; id: string; sentAt: string }
  | { type: "history"; threadId: string; messages: ChatMessage[]; nextCursor: string | null }
  | { type: "message"; id: string; threadId: string; from: string; text: string; sentAt: string }
  | { type: "read"; threadId: string; by: string; upTo: string }
  | { type: "typing"; threadId: string; by: string }
  | {
      type: "notification";
      id: string;
      kind: string;
      title: string;
      body: string;
      data: Record<string, string>;
      createdAt: string;
    }
  | { type: "error"; code: string; detail: string };

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

/** What the server sends. */
export type ServerFrame =
  | { type: "ack"; clientId: string; id: string; sentAt: string }
  | { type: "message"; id: string; threadId: string; from: string; text: string; sentAt: string }
  | { type: "read"; threadId: string; by: string; upTo: string }
  | { type: "typing"; threadId: string; by: string }
  | { type: "notification"; kind: string; title: string; body: string; data: Record<string, string> }
  | { type: "error"; code: string; detail: string };

import { createRoute } from "@hono/zod-openapi";
import {
  ChatMessagePage,
  ChatSocketQuery,
  ChatThreadPage,
  MessagesQuery,
  SocketTicket,
  ThreadParams,
} from "../../schema/api/chat";
import { bearer, errors, idParam, jsonResponse, PageQuery } from "../../schema/api/common";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as chat from "../services/chat";

const tags = ["chat"];

/** Chat about a room: tickets over HTTPS, the WebSocket, and history. */
export const chatRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/chat/tickets",
      operationId: "createChatTicket",
      tags,
      summary: "A single-use ticket to open the room's chat socket",
      description:
        "Browsers cannot set headers on a WebSocket, so the access token never goes in a URL: this ticket, valid 60 s and spent by the first upgrade, stands in for it. Any tenant may chat about a listed room (a private thread with its landlord); the room's landlord sees every thread.",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: idParam("room") },
      responses: { 201: jsonResponse(SocketTicket, "The ticket and the socket URL"), ...errors(401, 404, 422) },
    }),
    async (c) =>
      c.json(await chat.chatTicket(c.var.deps, c.var.user, c.req.valid("param").id, new URL(c.req.url).origin), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/chat",
      operationId: "openChatSocket",
      tags,
      summary: "Open a room's chat socket (WebSocket upgrade)",
      description:
        "Upgrades to a WebSocket on the ticket's room. Frames are JSON (see `schema/chat-frames.ts` and docs/architecture.md): send `message`, `read`, `typing`, `history`; receive `hello`, `ack`, `message`, `read`, `typing`, `history`, `error`. A used, expired, forged or other-room ticket answers 401 before any upgrade; a good ticket asked without `Upgrade: websocket` answers 426 and stays unspent.",
      request: { query: ChatSocketQuery },
      responses: { 101: { description: "Switching to the WebSocket protocol" }, ...errors(401, 422, 426) },
    }),
    async (c) => {
      const { ticket, roomId } = c.req.valid("query");
      if (!isUpgrade(c.req.header("upgrade"))) await chat.refuseWithoutUpgrade(c.var.deps, ticket, "chat", roomId);
      return chat.openChat(c.var.deps, ticket, roomId);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/threads",
      operationId: "listChatThreads",
      tags,
      summary: "Chat threads of a room: the landlord's all, a tenant's own, with unread counts",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: idParam("room"), query: PageQuery },
      responses: { 200: jsonResponse(ChatThreadPage, "A page of threads"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await chat.threads(c.var.deps, c.var.user, c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/threads/{threadId}/messages",
      operationId: "listChatMessages",
      tags,
      summary: "A thread's messages, newest first",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: ThreadParams, query: MessagesQuery },
      responses: { 200: jsonResponse(ChatMessagePage, "A page of messages"), ...errors(401, 404, 422) },
    }),
    async (c) => {
      const { id, threadId } = c.req.valid("param");
      return c.json(await chat.messages(c.var.deps, c.var.user, id, threadId, c.req.valid("query")), 200);
    },
  );

/** Whether the request asks to become a WebSocket (else: 401 for a bad ticket, 426 for a good one). */
export function isUpgrade(upgrade: string | undefined): boolean {
  return upgrade?.toLowerCase() === "websocket";
}

import { createRoute } from "@hono/zod-openapi";
import { SocketTicket } from "../../schema/api/chat";
import { bearer, errorResponse, errors, jsonBody, jsonResponse } from "../../schema/api/common";
import {
  InboxSocketQuery,
  MarkedRead,
  MarkRead,
  NotificationPage,
  NotificationQuery,
  Preferences,
  SetPreferences,
  UnreadCount,
} from "../../schema/api/notifications";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as chat from "../services/chat";
import * as notifications from "../services/notifications";
import { isUpgrade } from "./chat";

const tags = ["notifications"];

/** What Roomline told the caller, live and in a list, and how they want to be told. */
export const notificationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/notifications",
      operationId: "listNotifications",
      tags,
      summary: "My notifications, newest first",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { query: NotificationQuery },
      responses: { 200: jsonResponse(NotificationPage, "A page of notifications"), ...errors(401, 422) },
    }),
    async (c) => c.json(await notifications.notificationsPage(c.var.deps, c.var.user.id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/notifications/unread-count",
      operationId: "getUnreadNotificationCount",
      tags,
      summary: "How many of my notifications are unread (the badge)",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 200: jsonResponse(UnreadCount, "The count"), ...errors(401) },
    }),
    async (c) => c.json(await notifications.unreadCount(c.var.deps, c.var.user.id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/notifications/read",
      operationId: "markNotificationsRead",
      tags,
      summary: "Mark notifications read: the given ids (others' ids change nothing) or all",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(MarkRead),
      responses: {
        200: jsonResponse(MarkedRead, "How many were marked, and how many stay unread"),
        ...errors(400, 401, 415, 422),
      },
    }),
    async (c) => c.json(await notifications.readNotifications(c.var.deps, c.var.user.id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/notifications/tickets",
      operationId: "createNotificationTicket",
      tags,
      summary: "A single-use ticket to open my live notification socket",
      description:
        'Valid 60 s, spent by the first upgrade of `GET /v1/notifications/socket?ticket=`, which then receives `{type:"notification", id, kind, title, body, data, createdAt}` frames as they happen.',
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 201: jsonResponse(SocketTicket, "The ticket and the socket URL"), ...errors(401) },
    }),
    async (c) => c.json(await chat.inboxTicket(c.var.deps, c.var.user, new URL(c.req.url).origin), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/notifications/socket",
      operationId: "openNotificationSocket",
      tags,
      summary: "Open my live notification socket (WebSocket upgrade)",
      request: { query: InboxSocketQuery },
      responses: { 101: { description: "Switching to the WebSocket protocol" }, ...errors(401, 422, 426) },
    }),
    async (c) => {
      const { ticket } = c.req.valid("query");
      if (!isUpgrade(c.req.header("upgrade"))) await chat.refuseWithoutUpgrade(c.var.deps, ticket, "inbox");
      return chat.openInbox(c.var.deps, ticket);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/notification-preferences",
      operationId: "getNotificationPreferences",
      tags,
      summary: "How I am told of each kind of notice, per channel",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 200: jsonResponse(Preferences, "Every kind, with its channels"), ...errors(401) },
    }),
    async (c) => c.json(await notifications.preferences(c.var.deps, c.var.user.id), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/me/notification-preferences",
      operationId: "setNotificationPreferences",
      tags,
      summary: "Choose channels for some kinds (the others keep theirs)",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(SetPreferences),
      responses: {
        200: jsonResponse(Preferences, "Every kind, with its channels"),
        ...errors(400, 401, 415),
        ...errorResponse(
          422,
          "Validation failed, or `preference_locked`: a money or security notice switched off on every channel",
        ),
      },
    }),
    async (c) =>
      c.json(await notifications.setPreferences(c.var.deps, c.var.user.id, c.req.valid("json").preferences), 200),
  );

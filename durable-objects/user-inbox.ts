import { DurableObject } from "cloudflare:workers";
import type { ServerFrame } from "../schema/chat-frames";

/**
 * One per user: their live notification socket(s), one per open tab or device. A user's sockets
 * are not tied to a room, so they live in an object of their own, named by the user id: the
 * queue consumer reaches every socket of a recipient with one call, and finds out whether any is
 * open. Hibernating: an idle socket costs nothing; the object keeps no state but the sockets.
 */
export class UserInbox extends DurableObject<Env> {
  /** A WebSocket upgrade forwarded by the worker after it spent the user's ticket. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("x-inbox-user");
    if (!userId || request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade from the worker", { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ userId });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends a frame to every open socket; answers how many there were (0: the user is offline). */
  push(frame: ServerFrame): number {
    const text = JSON.stringify(frame);
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
        sent++;
      } catch {
        // closing
      }
    }
    return sent;
  }

  /** The socket only listens; a client frame gets an error, except a keep-alive ping. */
  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    if (raw === "ping") return ws.send("pong");
    ws.send(
      JSON.stringify({
        type: "error",
        code: "bad_frame",
        detail: "this socket only delivers notifications",
      } satisfies ServerFrame),
    );
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

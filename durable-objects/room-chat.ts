import { DurableObject } from "cloudflare:workers";

/**
 * One per room: WebSocket chat threads about the room. The chat issue fills this in; the class
 * exists now so its binding and SQLite migration tag are stable from the first deploy.
 */
export class RoomChat extends DurableObject<Env> {
  /** Chat is not open yet: refuse upgrades plainly rather than hanging. */
  override async fetch(): Promise<Response> {
    return new Response("chat is not available yet", { status: 501 });
  }
}

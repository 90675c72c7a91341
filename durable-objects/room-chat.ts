import { DurableObject } from "cloudflare:workers";
import { ERRORS } from "../workers/http/errors";

/**
 * One per room: WebSocket chat threads about the room. The chat issue fills this in; the class
 * exists now so its binding and SQLite migration tag are stable from the first deploy.
 */
export class RoomChat extends DurableObject<Env> {
  /** Chat is not open yet: refuse upgrades with the API's problem body rather than hanging. */
  override async fetch(): Promise<Response> {
    const [status, title] = ERRORS.not_implemented;
    const body = { status, code: "not_implemented", title, detail: "Chat is not available yet." };
    return Response.json(body, { status, headers: { "content-type": "application/problem+json" } });
  }
}

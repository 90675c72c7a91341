import { DurableObject } from "cloudflare:workers";
import { AppError, problemResponse } from "../workers/errors";

/**
 * One per room: WebSocket chat threads about the room. The chat issue fills this in; the class
 * exists now so its binding and SQLite migration tag are stable from the first deploy.
 */
export class RoomChat extends DurableObject<Env> {
  /** Chat is not open yet: refuse upgrades with the API's problem body rather than hanging. */
  override async fetch(request: Request): Promise<Response> {
    const requestId = request.headers.get("x-request-id") ?? "unknown";
    return problemResponse(new AppError("not_implemented", "Chat is not available yet."), requestId);
  }
}

import type { Deps } from "./deps";
import type { AuthUser } from "./domain/tokens";
import type { ProblemVariables } from "./errors";

/** Hono's environment: bindings from wrangler.toml and what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: ProblemVariables & {
    deps: Deps;
    user: AuthUser;
    /** The raw request body, read once under the size limit. */
    rawBody: Uint8Array | null;
    /** The id an idempotent POST creates, stable across retries with the same key. */
    resourceId: string;
    /** POST /v1/bookings: the Idempotency-Key and request hash the room's calendar checks. */
    requestKey: { key: string; requestHash: string };
    /** Set by a handler that answered from an idempotency record. */
    replayed: boolean;
  };
}

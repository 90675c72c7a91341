import type { Deps } from "./deps";
import type { AuthUser } from "./domain/tokens";

/** Hono's environment: bindings from wrangler.toml and what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    deps: Deps;
    user: AuthUser;
    /** The raw request body, read once under the size limit. */
    rawBody: Uint8Array | null;
    /** The id an idempotent POST creates, stable across retries with the same key. */
    resourceId: string;
  };
}

import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { AppError } from "../errors";

/** A sub-app whose validation failures become 422 `validation_failed` with the failing fields. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
        throw new AppError("validation_failed", "The request does not match the schema.", { errors });
      }
    },
  });
}

import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { bodyLimit } from "./http/body-limit";
import { AppError, problem, renderError } from "./http/errors";
import { requestContext } from "./http/request-context";
import { auth, me } from "./routes/auth";
import { bookings } from "./routes/bookings";
import { docs } from "./routes/docs";
import { health } from "./routes/health";
import { jwks } from "./routes/jwks";
import { landlords } from "./routes/landlords";
import { invoices, leases } from "./routes/leases";
import { properties } from "./routes/properties";
import { rooms } from "./routes/rooms";
import { webhooks } from "./routes/webhooks";

export const app = new OpenAPIHono<AppEnv>();

app.use("*", requestContext);
app.use("*", cors({
  origin: (origin, c: Context<AppEnv>) => (allowedOrigins(c.env).includes(origin) ? origin : null),
  allowHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  exposeHeaders: ["x-request-id", "retry-after"],
  maxAge: 600,
}));
app.use("*", bodyLimit);

app.route("/health", health);
app.route("/.well-known", jwks);
app.route("/v1/auth", auth);
app.route("/v1/me", me);
app.route("/v1/properties", properties);
app.route("/v1/rooms", rooms);
app.route("/v1/landlords", landlords);
app.route("/v1/bookings", bookings);
app.route("/v1/webhooks", webhooks);
app.route("/v1/leases", leases);
app.route("/v1/invoices", invoices);
app.route("/docs", docs);

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Roomline API", version: "1.0.0", description: "Rooms, bookings, rent and chat. Errors are application/problem+json with a stable `code`." },
});

app.notFound((c) => {
  const allowed = allowedMethods(c.req.path);
  if (allowed.length > 0) {
    return problem(c, new AppError("method_not_allowed", `${c.req.method} is not allowed here.`, { headers: { allow: allowed.join(", ") } }));
  }
  return problem(c, new AppError("not_found", `No route for ${c.req.method} ${c.req.path}.`));
});
app.onError(renderError);

function allowedOrigins(env: Env): string[] {
  return env.ALLOWED_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean);
}

let routeTable: { method: string; pattern: RegExp }[] | undefined;

/** Methods registered for a path, so a known path with the wrong method answers 405, not 404. */
function allowedMethods(path: string): string[] {
  routeTable ??= app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:[^/]+/g, "[^/]+")}$`) }));
  const methods = new Set(routeTable.filter((r) => r.pattern.test(path)).map((r) => r.method));
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

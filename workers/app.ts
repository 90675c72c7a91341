import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { bodyLimit } from "./http/body-limit";
import { AppError, problem, renderError } from "./errors";
import { openApiDocument } from "./http/openapi";
import { requestContext } from "./http/request-context";
import { adminRoutes } from "./routes/admin";
import { me } from "./routes/account";
import { auth } from "./routes/auth";
import { web } from "./routes/web";
import { bookings } from "./routes/bookings";
import { chatRoutes } from "./routes/chat";
import { notificationRoutes } from "./routes/notifications";
import { roomViewings, viewingRoutes } from "./routes/viewings";
import { offerRoutes, requestOfferRoutes } from "./routes/offers";
import { bookingReviewRoutes, propertyReviewRoutes } from "./routes/reviews";
import { rentalRequestRoutes, requestPoolRoutes } from "./routes/rental-requests";
import { docs } from "./routes/docs";
import { health } from "./routes/health";
import { jwks } from "./routes/jwks";
import { landlords } from "./routes/landlords";
import { invoices } from "./routes/invoices";
import { leases } from "./routes/leases";
import { photoRoutes, propertyPhotoRoutes } from "./routes/photos";
import { properties } from "./routes/properties";
import { rooms } from "./routes/rooms";
import { myTaste } from "./routes/favourites";
import { recommendationRoutes } from "./routes/recommendations";
import { searchRoutes } from "./routes/search";
import { webhooks } from "./routes/webhooks";

export const app = new OpenAPIHono<AppEnv>();

app.use("*", requestContext);
app.use(
  "*",
  cors({
    origin: (origin, c: Context<AppEnv>) => (allowedOrigins(c.env).includes(origin) ? origin : null),
    allowHeaders: [
      "authorization",
      "content-type",
      "idempotency-key",
      "x-request-id",
      "x-roomline-client",
      "x-d1-bookmark",
      "traceparent",
    ],
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: ["x-request-id", "retry-after", "x-d1-bookmark", "x-trace-id", "traceparent"],
    maxAge: 600,
  }),
);
app.use("*", bodyLimit);

/** Every route, chained so `AppType` carries them all for typed clients. */
const routes = app
  .route("/health", health)
  .route("/.well-known", jwks)
  .route("/v1/auth", auth)
  .route("/v1/me", me)
  .route("/v1/me", myTaste)
  .route("/v1/properties", properties)
  .route("/v1/properties", propertyReviewRoutes)
  .route("/v1/properties", propertyPhotoRoutes)
  .route("/v1/photos", photoRoutes)
  .route("/v1/rooms", rooms)
  .route("/v1/rooms", roomViewings)
  .route("/v1/viewings", viewingRoutes)
  .route("/v1/search", searchRoutes)
  .route("/v1", recommendationRoutes)
  .route("/v1", chatRoutes)
  .route("/v1", notificationRoutes)
  .route("/v1/landlords", landlords)
  .route("/v1/landlords", requestPoolRoutes)
  .route("/v1/rental-requests", rentalRequestRoutes)
  .route("/v1/rental-requests", requestOfferRoutes)
  .route("/v1/offers", offerRoutes)
  .route("/v1/bookings", bookings)
  .route("/v1/bookings", bookingReviewRoutes)
  .route("/v1/webhooks", webhooks)
  .route("/v1/leases", leases)
  .route("/v1/invoices", invoices)
  .route("/v1/admin", adminRoutes)
  .route("/docs", docs);

/** The API's type, for `hc<AppType>()` clients (the web app, tests). */
export type AppType = typeof routes;

app.get("/openapi.json", (c) => c.json(openApiDocument(app, new URL(c.req.url).origin)));
app.route("/", web);

app.notFound((c) => {
  // Admin paths answer 404 to every wrong method too: a 405 with Allow would say they exist.
  const allowed = c.req.path.startsWith("/v1/admin/") ? [] : allowedMethods(c.req.path);
  if (allowed.length > 0) {
    return problem(
      c,
      new AppError("method_not_allowed", `${c.req.method} is not allowed here.`, {
        headers: { allow: allowed.join(", ") },
      }),
    );
  }
  return problem(c, new AppError("not_found", `No route for ${c.req.method} ${c.req.path}.`));
});
app.onError(renderError);

const origins = new Map<string, string[]>();

/** ALLOWED_ORIGINS parsed once per isolate (per value). */
function allowedOrigins(env: Env): string[] {
  let list = origins.get(env.ALLOWED_ORIGINS);
  if (!list) {
    list = env.ALLOWED_ORIGINS.split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    origins.set(env.ALLOWED_ORIGINS, list);
  }
  return list;
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

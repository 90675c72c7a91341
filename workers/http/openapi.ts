import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ERRORS } from "../errors";
import {
  bearer,
  HEADER_NAMES,
  IDEMPOTENCY_KEY_PARAMETER,
  PLATFORM_RESPONSES,
  RESPONSE_HEADERS,
} from "../../schema/api/common";
import { rolesRequiredBy } from "./auth";
import { isIdempotent } from "./idempotency";

/**
 * The OpenAPI document served at /openapi.json: what @hono/zod-openapi generates from the routes,
 * completed with what the platform does around each of them (who may call it, the Idempotency-Key
 * its middleware demands, body limits, error statuses, headers), so that client generators and
 * linters can take it as the contract. `npm test` lints it and checks real responses against it.
 */

const INFO = {
  title: "Roomline API",
  version: "1.0.0",
  description:
    "Rooms, bookings, rent and chat. JSON over HTTPS; `Authorization: Bearer <access token>` where a route needs one. " +
    "Errors are `application/problem+json` (RFC 9457) with a stable `code` and the `requestId` that every response also " +
    "carries as `x-request-id`. Every response also carries `x-trace-id` and a W3C `traceparent` (an inbound `traceparent`'s trace is kept), " +
    "and `x-d1-bookmark`: send the newest one back as `x-d1-bookmark` on later requests to read your own writes from a nearby replica. " +
    "A suspended account's token is refused with 403 `account_suspended`. Lists are cursor-paginated: `limit` (default 20, at most 100) and the `nextCursor` of the previous page. " +
    "Path ids are checked by their shape: a malformed id answers 422 `validation_failed`, a well-formed id of nothing you may see 404.",
  contact: { name: "Roomline API team", url: "https://docs.roomline.dev" },
  license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
};

const TAGS = [
  { name: "auth", description: "Accounts, sessions, and the public keys that verify access tokens." },
  { name: "catalog", description: "Properties and their rooms: listing, browsing, availability." },
  {
    name: "search",
    description: "Finding a room: full text with typos, map and radius, filters, dates, facets, suggestions.",
  },
  {
    name: "recommendations",
    description: "Listings for a tenant from their history, similar listings, saved properties, the history itself.",
  },
  {
    name: "chat",
    description:
      "Real-time chat about a room over WebSockets: single-use tickets, one private thread per tenant with the landlord, history.",
  },
  {
    name: "notifications",
    description:
      "What Roomline tells you: in-app list and badge, a live socket, email, and your choices per kind and channel.",
  },
  {
    name: "viewings",
    description: "Viewing appointments: a room's weekly hours, free slots (DST-correct), booking and cancelling.",
  },
  {
    name: "requests",
    description:
      "Rental requests: a tenant posts what they need; landlords see the ones their rooms fit, ranked, and send offers; the tenant accepts one and the booking saga runs.",
  },
  {
    name: "account",
    description: "My account: profile, email change, password, sessions, two-factor sign-in, export and closing it.",
  },
  {
    name: "photos",
    description:
      "A property's photos: streamed to R2, type told by the bytes, location metadata blanked; served with ETag, Range and immutable caching.",
  },
  { name: "reviews", description: "Double-blind reviews of a stay by both parties, and a property's rating." },
  {
    name: "landlords",
    description: "A landlord's contract capacity and public profile (score, rating, response time).",
  },
  { name: "bookings", description: "Holding a room for a stay, paying for it, cancelling it." },
  { name: "rent", description: "Leases, their invoices and ledger statement, rent payments, late fees, deposits." },
  { name: "payments", description: "Stripe's webhooks (signature-verified)." },
  { name: "ops", description: "Health of the service and its stores." },
  {
    name: "admin",
    description:
      "Moderation (suspend users, hide properties, delete reviews), the append-only audit log, and platform figures. Admins only: 404 for everyone else.",
  },
];

/** Names for generated clients, stable across path changes; a route may set its own `operationId` instead. */
const OPERATION_IDS: Record<string, string> = {
  "get /health": "getHealth",
  "get /v1/search": "search",
  "get /v1/search/suggest": "suggest",
  "get /v1/recommendations": "getRecommendations",
  "get /v1/properties/{id}/similar": "getSimilarListings",
  "post /v1/properties/{id}/photos": "uploadPhoto",
  "get /v1/properties/{id}/photos": "listPhotos",
  "patch /v1/properties/{id}/photos/{photoId}": "updatePhoto",
  "delete /v1/properties/{id}/photos/{photoId}": "deletePhoto",
  "get /v1/photos/{id}": "getPhoto",
  "put /v1/me/favourites/{id}": "saveFavourite",
  "delete /v1/me/favourites/{id}": "unsaveFavourite",
  "get /v1/me/favourites": "listFavourites",
  "get /v1/me/interactions": "listInteractions",
  "delete /v1/me/interactions": "clearInteractions",
  "get /.well-known/jwks.json": "getJwks",
  "post /v1/auth/register": "register",
  "post /v1/auth/login": "login",
  "post /v1/auth/refresh": "refreshSession",
  "post /v1/auth/logout": "logout",
  "get /v1/me": "getMe",
  "post /v1/properties": "createProperty",
  "get /v1/properties": "listProperties",
  "get /v1/properties/{id}": "getProperty",
  "patch /v1/properties/{id}": "updateProperty",
  "delete /v1/properties/{id}": "archiveProperty",
  "post /v1/properties/{id}/rooms": "createRoom",
  "get /v1/properties/{id}/rooms": "listRooms",
  "get /v1/rooms/{id}": "getRoom",
  "patch /v1/rooms/{id}": "updateRoom",
  "get /v1/rooms/{id}/availability": "getRoomAvailability",
  "get /v1/landlords/me/capacity": "getMyCapacity",
  "put /v1/landlords/me/capacity": "setMyCapacity",
  "post /v1/bookings": "createBooking",
  "get /v1/bookings": "listBookings",
  "get /v1/bookings/{id}": "getBooking",
  "get /v1/bookings/{id}/payment": "getBookingPayment",
  "post /v1/bookings/{id}/cancel": "cancelBooking",
  "post /v1/webhooks/stripe": "receiveStripeWebhook",
  "get /v1/leases": "listLeases",
  "get /v1/leases/{id}": "getLease",
  "get /v1/leases/{id}/invoices": "listLeaseInvoices",
  "get /v1/leases/{id}/statement": "getLeaseStatement",
  "put /v1/leases/{id}/late-fee-rule": "setLateFeeRule",
  "put /v1/leases/{id}/payment-policy": "setPaymentPolicy",
  "put /v1/leases/{id}/payment-method": "savePaymentMethod",
  "post /v1/leases/{id}/notice": "giveNotice",
  "post /v1/leases/{id}/deposit/settle": "settleDeposit",
  "get /v1/invoices/{id}": "getInvoice",
  "post /v1/invoices/{id}/payments": "payInvoice",
};

const METHODS = ["get", "put", "post", "delete", "patch"] as const;
type Method = (typeof METHODS)[number];
type PlatformResponse = keyof typeof PLATFORM_RESPONSES;

interface Ref {
  $ref: string;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: ({ in: string } | Ref)[];
  requestBody?: { content?: Record<string, unknown> };
  responses: Record<string, ResponseObject | Ref>;
}
interface Document {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: Record<string, Record<string, any>>;
  servers?: { url: string; description?: string }[];
}

let built: Document | undefined;

/** The document for a request to `origin`; built once per isolate, only `servers` follows the request. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, origin: string): Document {
  built ??= build(app);
  return { ...built, servers: [{ url: origin, description: "This deployment" }] };
}

function build(app: OpenAPIHono<AppEnv>): Document {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO, tags: TAGS }) as unknown as Document;
  const problem = doc.components.schemas?.Problem;
  if (problem) problem.properties.code = { ...problem.properties.code, enum: Object.keys(ERRORS) };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) complete(op, method, path, handlersOf(app, method, path));
    }
  }
  doc.components.headers = RESPONSE_HEADERS;
  doc.components.parameters = { ...doc.components.parameters, IdempotencyKey: IDEMPOTENCY_KEY_PARAMETER };
  doc.components.responses = usedOnly(doc, PLATFORM_RESPONSES);
  return doc;
}

/** Every handler Hono runs for a route (its middleware included), so the document can follow what they do. */
function handlersOf(app: OpenAPIHono<AppEnv>, method: Method, path: string): unknown[] {
  const routingPath = path.replace(/\{([^}]+)\}/g, ":$1");
  return app.routes.filter((r) => r.method === method.toUpperCase() && r.path === routingPath).map((r) => r.handler);
}

function complete(op: Operation, method: Method, path: string, handlers: unknown[]): void {
  const key = `${method} ${path}`;
  op.operationId ??= OPERATION_IDS[key];
  if (!op.operationId)
    throw new Error(`No operationId for ${key}: add one to OPERATION_IDS in workers/http/openapi.ts`);
  for (const tag of op.tags ?? []) {
    if (!TAGS.some((t) => t.name === tag))
      throw new Error(`Tag "${tag}" of ${key} is not declared in TAGS (workers/http/openapi.ts)`);
  }

  // Redocly's operation-2xx-response is off (redocly.yaml) because a WebSocket upgrade succeeds with 101; this is its stand-in.
  if (!Object.keys(op.responses).some((s) => /^2\d\d$/.test(s) || s === "101"))
    throw new Error(`${key} documents no success (2xx, or 101 for a WebSocket upgrade)`);

  const roles = handlers.map(rolesRequiredBy).find((r) => r !== undefined);
  const optionalToken = !roles && (op.security ?? []).some((s) => Object.keys(s).length === 0);
  const idempotent = handlers.some(isIdempotent);
  const declaresBearer = (op.security ?? []).length > 0 && !optionalToken;
  if (declaresBearer && !roles) throw new Error(`${key} declares bearer security but runs no requireAuth middleware`);
  op.security = roles ? bearer : optionalToken ? op.security : [];
  op.description = [op.description, access(roles, optionalToken), idempotent ? IDEMPOTENCY_NOTE : undefined]
    .filter(Boolean)
    .join("\n\n");
  if (idempotent) (op.parameters ??= []).push({ $ref: "#/components/parameters/IdempotencyKey" });

  const params = (op.parameters ?? []).filter((p): p is { in: string } => "in" in p);
  const hasPathParams = params.some((p) => p.in === "path");
  const json = op.requestBody?.content?.["application/json"] !== undefined;
  const validated = json || idempotent || params.some((p) => p.in === "path" || p.in === "query");
  const platform: [number, PlatformResponse, boolean][] = [
    [400, "MalformedJson", json],
    [401, "Unauthorized", roles !== undefined || optionalToken],
    [403, "Forbidden", (roles?.length ?? 0) > 0],
    [404, "NotFound", hasPathParams],
    [405, "MethodNotAllowed", true],
    [409, "IdempotencyInProgress", idempotent],
    [413, "PayloadTooLarge", method !== "get"],
    [415, "UnsupportedMediaType", json],
    [422, "ValidationFailed", validated],
    [428, "IdempotencyKeyRequired", idempotent],
    [500, "InternalError", true],
    [503, "DependencyUnavailable", true],
  ];
  for (const [status, name, applies] of platform) {
    if (applies) op.responses[status] ??= { $ref: `#/components/responses/${name}` };
  }
  for (const [status, response] of Object.entries(op.responses)) {
    if (!("$ref" in response)) addHeaders(Number(status), response, idempotent);
  }
  op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
  reorder(op);
}

/** Keys in the order a reader of openapi.json looks for them. */
function reorder(op: Operation): void {
  const order = ["operationId", "tags", "summary", "description", "security", "parameters", "requestBody", "responses"];
  const entries = Object.entries(op).sort(([a], [b]) => rank(order, a) - rank(order, b));
  for (const [k] of entries) delete (op as unknown as Record<string, unknown>)[k];
  Object.assign(op, Object.fromEntries(entries));
}

function rank(order: string[], key: string): number {
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}

const IDEMPOTENCY_NOTE =
  "Send an `Idempotency-Key`: a retry with the same key and body replays the first answer instead of repeating the effect.";

function access(roles: readonly string[] | undefined, optionalToken: boolean): string {
  if (roles?.length) return `Needs the access token of a ${roles.join(" or ")}.`;
  if (roles) return "Needs an access token.";
  if (optionalToken)
    return "Public. An access token is optional: its owner may see more; a token that is sent must be valid.";
  return "Public: no access token.";
}

/** The headers of a response the route declared inline (the platform's own responses carry theirs). */
function addHeaders(status: number, response: ResponseObject, idempotent: boolean): void {
  const headers: Record<string, Ref> = { [HEADER_NAMES.RequestId]: ref("RequestId") };
  const problem = response.content?.["application/problem+json"] !== undefined;
  if (status === 401) headers[HEADER_NAMES.WwwAuthenticate] = ref("WwwAuthenticate");
  if (status === 405) headers[HEADER_NAMES.Allow] = ref("Allow");
  if (status === 429 || (status === 503 && problem)) headers[HEADER_NAMES.RetryAfter] = ref("RetryAfter");
  response.headers = { ...response.headers, ...headers };
  if (status === 409 && idempotent) {
    response.description = `${response.description.replace(/\.?$/, ".")} Or \`idempotency_in_progress\`: a request with this key is still running; retry after \`Retry-After\`.`;
    response.headers[HEADER_NAMES.RetryAfter] = {
      description: "With `idempotency_in_progress`: seconds to wait.",
      schema: { type: "string", pattern: "^[0-9]+$" },
    };
  }
}

function ref(header: keyof typeof RESPONSE_HEADERS): Ref {
  return { $ref: `#/components/headers/${header}` };
}

/** The platform responses some operation refers to (an unused component is lint). */
function usedOnly(doc: Document, responses: typeof PLATFORM_RESPONSES): Record<string, unknown> {
  const text = JSON.stringify(doc.paths);
  return Object.fromEntries(
    Object.entries(responses).filter(([name]) => text.includes(`"#/components/responses/${name}"`)),
  );
}

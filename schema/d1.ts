import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Instants are stored as ISO 8601 UTC strings; they sort lexically. */
const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
const timestamps = {
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
};

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ["tenant", "landlord", "admin"] }).notNull(),
    passwordHash: text("password_hash").notNull(),
    /** BCP 47 language tag for emails and notifications; null: English. */
    locale: text("locale"),
    phone: text("phone"),
    /** IANA timezone the user reads times in; null: each property's own. */
    timezone: text("timezone"),
    emailVerifiedAt: text("email_verified_at"),
    /** Base32 TOTP secret, set by enrolment; `mfaEnabledAt` once a code confirmed it. */
    totpSecret: text("totp_secret"),
    mfaEnabledAt: text("mfa_enabled_at"),
    /** The last TOTP time step accepted: a code is never accepted twice. */
    totpLastStep: integer("totp_last_step"),
    /** Closed accounts are anonymised and cannot sign in; the row stays for the ledger's references. */
    deletedAt: text("deleted_at"),
    /** Set by an admin: every token of the user is refused from the next request, sign-in too. */
    suspendedAt: text("suspended_at"),
    suspendedReason: text("suspended_reason"),
    ...timestamps,
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

/**
 * One row per sign-in. Revocation is recorded here, not only on the tokens: a token rotated into
 * the family after it was revoked (a concurrent refresh) is refused because its family is.
 */
export const refreshTokenFamilies = sqliteTable("refresh_token_families", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id),
  revokedAt: text("revoked_at"),
  createdAt: timestamps.createdAt,
  /** Where the session signed in (User-Agent, and the coarse place Cloudflare reports), and when it last refreshed. */
  userAgent: text("user_agent"),
  place: text("place"),
  lastUsedAt: text("last_used_at"),
});

/** Opaque refresh tokens, stored as SHA-256 hashes; one family per login, rotated on every use. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    familyId: text("family_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    revokedAt: text("revoked_at"),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_unique").on(t.tokenHash),
    index("refresh_tokens_family").on(t.familyId),
    index("refresh_tokens_expiry").on(t.expiresAt),
  ],
);

export const properties = sqliteTable(
  "properties",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    title: text("title").notNull(),
    description: text("description").notNull(),
    type: text("type", { enum: ["apartment", "house", "studio", "shared_house", "residence"] }).notNull(),
    line1: text("line1").notNull(),
    city: text("city").notNull(),
    postalCode: text("postal_code"),
    country: text("country").notNull(),
    lat: real("lat").notNull(),
    lng: real("lng").notNull(),
    amenities: text("amenities", { mode: "json" }).$type<string[]>().notNull(),
    timezone: text("timezone").notNull(),
    status: text("status", { enum: ["active", "archived"] })
      .notNull()
      .default("active"),
    /** Moderation, apart from the owner's own status: hidden by an admin (with why), or its owner suspended. */
    hiddenAt: text("hidden_at"),
    hiddenReason: text("hidden_reason"),
    ownerSuspendedAt: text("owner_suspended_at"),
    ...timestamps,
  },
  (t) => [index("properties_owner").on(t.ownerId, t.id), index("properties_city").on(t.status, t.city, t.id)],
);

export const rooms = sqliteTable(
  "rooms",
  {
    id: text("id").primaryKey(),
    propertyId: text("property_id")
      .notNull()
      .references(() => properties.id),
    name: text("name").notNull(),
    capacity: integer("capacity").notNull(),
    rentalMode: text("rental_mode", { enum: ["monthly", "nightly"] }).notNull(),
    priceAmount: integer("price_amount").notNull(),
    depositAmount: integer("deposit_amount").notNull(),
    currency: text("currency").notNull(),
    minNights: integer("min_nights"),
    maxNights: integer("max_nights"),
    /** Full refund when cancelled at least this many days before the start; none after. */
    freeCancellationDays: integer("free_cancellation_days").notNull().default(14),
    status: text("status", { enum: ["active", "archived"] })
      .notNull()
      .default("active"),
    ...timestamps,
  },
  (t) => [index("rooms_property").on(t.propertyId, t.id)],
);

/** Transactional outbox: written in the same D1 batch as the change, sent to EVENTS after. */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    createdAt: timestamps.createdAt,
    sentAt: text("sent_at"),
  },
  (t) => [index("outbox_unsent").on(t.sentAt, t.createdAt)],
);

/** Event ids a consumer has already applied: queue delivery is at-least-once. */
export const processedEvents = sqliteTable(
  "processed_events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    /** `claimed` while a consumer runs the handler, `done` once it succeeded. */
    status: text("status", { enum: ["claimed", "done"] })
      .notNull()
      .default("done"),
    /** ISO instant of the claim; a claim older than the consumer's limit is taken to have crashed. */
    claimedAt: text("claimed_at"),
    processedAt: timestamps.createdAt,
  },
  (t) => [index("processed_events_age").on(t.processedAt)],
);

/**
 * What the dead-letter consumer received: events that failed every retry, one row per message (a
 * replayed event that fails again arrives as a new message, so its rows count its replays).
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    messageId: text("message_id").primaryKey(),
    queue: text("queue").notNull(),
    eventType: text("event_type"),
    /** The event's own id, when the body parsed as one. */
    eventId: text("event_id"),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    receivedAt: timestamps.createdAt,
    /** When this message was handed back to EVENTS for another round; null while only stored. */
    replayedAt: text("replayed_at"),
  },
  (t) => [index("dead_letters_event").on(t.eventId)],
);

/** Read model of bookable listings (one row per room), kept by the listing.changed consumer. */
export const listings = sqliteTable(
  "listings",
  {
    roomId: text("room_id").primaryKey(),
    propertyId: text("property_id").notNull(),
    ownerId: text("owner_id").notNull(),
    title: text("title").notNull(),
    roomName: text("room_name").notNull(),
    city: text("city").notNull(),
    country: text("country").notNull(),
    lat: real("lat").notNull(),
    lng: real("lng").notNull(),
    rentalMode: text("rental_mode", { enum: ["monthly", "nightly"] }).notNull(),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    capacity: integer("capacity").notNull(),
    amenities: text("amenities", { mode: "json" }).$type<string[]>().notNull(),
    active: integer("active", { mode: "boolean" }).notNull(),
    /** The source row's updatedAt: an older event never overwrites a newer projection. */
    sourceVersion: text("source_version").notNull(),
    type: text("type").notNull().default("apartment"),
    description: text("description").notNull().default(""),
    /** When the property was listed (its createdAt): `sort=newest`. */
    listedAt: text("listed_at").notNull().default(""),
    photoUrl: text("photo_url"),
    /** Title and room name folded for scoring (workers/domain/search-text.ts `foldedText`). */
    searchTitle: text("search_title").notNull().default(" "),
    /** City, amenities and description, folded the same way. */
    searchBody: text("search_body").notNull().default(" "),
    /**
     * The listing's row in `listing_fts` (its rowid there), so replacing or joining the full-text row is a lookup.
     * Set once by the `listings_search_rowid` trigger on insert (migration 0015), never changed; not SQLite's own
     * rowid of this table, which VACUUM may renumber.
     */
    searchRowid: integer("search_rowid"),
  },
  (t) => [
    uniqueIndex("listings_search_rowid").on(t.searchRowid),
    index("listings_city").on(t.active, t.city),
    index("listings_geo").on(t.active, t.lat, t.lng),
    index("listings_price").on(t.active, t.currency, t.priceAmount),
    index("listings_property").on(t.propertyId),
    // Covering for a search without words or a map: the columns filters, facets and sorts read, so that
    // the set is read from this narrow index, not the wide rows (descriptions, full-text columns).
    index("listings_facets").on(
      t.active,
      t.type,
      t.city,
      t.rentalMode,
      t.priceAmount,
      t.currency,
      t.capacity,
      t.country,
      t.listedAt,
      t.propertyId,
      t.roomId,
      t.amenities,
    ),
    index("listings_owner").on(t.ownerId, t.active),
  ],
);

/**
 * The typo index: each word of 5+ letters in any listing, under each of its variants (itself and
 * itself less one letter). A query word's variants find the indexed words one typo away.
 */
export const searchVariants = sqliteTable(
  "search_variants",
  { variant: text("variant").notNull(), word: text("word").notNull() },
  (t) => [primaryKey({ columns: [t.variant, t.word] })],
);

/**
 * What a tenant did that recommendations learn from, newest kept (a bounded number per user).
 * Search writes `search` rows (the filters searched); views, favourites and bookings follow.
 */
export const interactions = sqliteTable(
  "interactions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: ["search", "view", "favourite", "booking"] }).notNull(),
    /** What it was about: for a search, its filters as JSON; for the others, the property id. */
    subject: text("subject").notNull(),
    at: text("at").notNull(),
  },
  (t) => [index("interactions_user").on(t.userId, t.at), index("interactions_kind").on(t.kind, t.at)],
);

/**
 * A property's photos: the bytes in R2 (`MEDIA`, key `photos/<propertyId>/<id>`, metadata that can
 * carry a location blanked on the way in), the facts read from them here. First by position is the
 * cover search and the web app show.
 */
export const photos = sqliteTable(
  "photos",
  {
    id: text("id").primaryKey(),
    propertyId: text("property_id")
      .notNull()
      .references(() => properties.id),
    objectKey: text("object_key").notNull(),
    contentType: text("content_type", { enum: ["image/jpeg", "image/png", "image/webp"] }).notNull(),
    bytes: integer("bytes").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    position: integer("position").notNull(),
    caption: text("caption"),
    createdAt: timestamps.createdAt,
  },
  (t) => [index("photos_property").on(t.propertyId, t.position, t.id)],
);

/** A tenant's saved properties. */
export const favourites = sqliteTable(
  "favourites",
  {
    userId: text("user_id").notNull(),
    propertyId: text("property_id").notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.userId, t.propertyId] }), index("favourites_user").on(t.userId, t.createdAt)],
);

/**
 * Availability projection for search: one row per booking a room's calendar announced, live
 * while held or confirmed. An end that arrives before its hold leaves the row dead, so the late
 * hold adds nothing: any order of the same events converges.
 */
export const availabilityBookings = sqliteTable("availability_bookings", {
  bookingId: text("booking_id").primaryKey(),
  roomId: text("room_id").notNull(),
  startDate: text("start_date").notNull(),
  endDate: text("end_date").notNull(),
  units: integer("units").notNull(),
  live: integer("live", { mode: "boolean" }).notNull(),
});

/** Units taken per room and night, summed from the live rows of availability_bookings. */
export const roomNights = sqliteTable(
  "room_nights",
  { roomId: text("room_id").notNull(), day: text("day").notNull(), units: integer("units").notNull() },
  (t) => [primaryKey({ columns: [t.roomId, t.day] })],
);

/**
 * Read model of bookings for lists and detail. Written when the hold is placed, then moved
 * forward only by booking.* events (the calendar object is the authority on the hold itself).
 */
export const bookings = sqliteTable(
  "bookings",
  {
    id: text("id").primaryKey(),
    roomId: text("room_id").notNull(),
    propertyId: text("property_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    landlordId: text("landlord_id").notNull(),
    startDate: text("start_date").notNull(),
    endDate: text("end_date").notNull(),
    units: integer("units").notNull(),
    status: text("status", { enum: ["held", "confirmed", "cancelled", "expired", "payment_failed"] }).notNull(),
    amountDue: integer("amount_due").notNull(),
    /** The room's rent per period (all units) and deposit when the hold was taken: what the tenant agreed to, whatever the landlord edits later. */
    rentAmount: integer("rent_amount"),
    depositAmount: integer("deposit_amount"),
    currency: text("currency").notNull(),
    refundedAmount: integer("refunded_amount").notNull().default(0),
    paymentIntentId: text("payment_intent_id"),
    holdExpiresAt: text("hold_expires_at").notNull(),
    ...timestamps,
  },
  (t) => [
    index("bookings_tenant").on(t.tenantId, t.id),
    index("bookings_landlord").on(t.landlordId, t.id),
    /** The reconciliation cron's candidates: bookings still held in the read model, oldest first. */
    index("bookings_status_age").on(t.status, t.createdAt, t.id),
  ],
);

/** HTTP idempotency: one row per (caller, key); the stored response is replayed for a repeat. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    /** The id the first attempt chose, so a retried attempt repeats the same effect. */
    resourceId: text("resource_id").notNull(),
    status: text("status", { enum: ["in_progress", "done"] }).notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    ...timestamps,
  },
  (t) => [uniqueIndex("idempotency_scope_key").on(t.scope, t.key), index("idempotency_age").on(t.createdAt)],
);

/**
 * Single-use WebSocket tickets (chat and the live notification socket): browsers cannot set headers
 * on a WebSocket, so a short-lived ticket, stored hashed, stands in for the access token in the URL.
 */
export const socketTickets = sqliteTable(
  "socket_tickets",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull(),
    role: text("role", { enum: ["tenant", "landlord", "admin"] }).notNull(),
    /** `chat`: the room's RoomChat; `inbox`: the user's own UserInbox. */
    scope: text("scope", { enum: ["chat", "inbox"] }).notNull(),
    roomId: text("room_id"),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("socket_tickets_expiry").on(t.expiresAt)],
);

/** In-app notifications: one per domain event and recipient (the unique index makes a redelivery a no-op). */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    /** JSON object of the ids it is about. */
    data: text("data").notNull(),
    eventId: text("event_id").notNull(),
    /** Shown in the in-app list (the recipient may have switched the in-app channel off for its kind). */
    inApp: integer("in_app", { mode: "boolean" }).notNull(),
    readAt: text("read_at"),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    uniqueIndex("notifications_event_user").on(t.eventId, t.userId),
    index("notifications_user").on(t.userId, t.id),
    index("notifications_user_unread").on(t.userId, t.readAt),
  ],
);

/** A user's choices per notification kind and channel; no row means the kind's default (on). */
export const notificationPreferences = sqliteTable(
  "notification_preferences",
  {
    userId: text("user_id").notNull(),
    kind: text("kind").notNull(),
    channel: text("channel", { enum: ["in_app", "email"] }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind, t.channel] })],
);

/** Email delivery of a notification, tracked through the queue's retries. */
export const emailDeliveries = sqliteTable(
  "email_deliveries",
  {
    id: text("id").primaryKey(),
    notificationId: text("notification_id").notNull(),
    toAddress: text("to_address").notNull(),
    status: text("status", { enum: ["queued", "sent", "failed", "skipped"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    messageId: text("message_id"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("email_deliveries_notification").on(t.notificationId),
    index("email_deliveries_status").on(t.status),
  ],
);

/** Addresses that failed permanently: skipped from then on, until the user changes their email. */
export const emailSuppressions = sqliteTable("email_suppressions", {
  address: text("address").primaryKey(),
  reason: text("reason").notNull(),
  createdAt: timestamps.createdAt,
});

/**
 * Read model of viewing appointments for `GET /v1/viewings`, fed by the room calendar's viewing
 * events (the calendar is the authority on slots).
 */
export const viewings = sqliteTable(
  "viewings",
  {
    id: text("id").primaryKey(),
    roomId: text("room_id").notNull(),
    propertyId: text("property_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    landlordId: text("landlord_id").notNull(),
    startAt: text("start_at").notNull(),
    endAt: text("end_at").notNull(),
    status: text("status", { enum: ["scheduled", "cancelled"] }).notNull(),
    cancelledBy: text("cancelled_by"),
    /** The calendar's version of this viewing: a late, older event never overwrites a newer one. */
    version: integer("version").notNull(),
    ...timestamps,
  },
  (t) => [index("viewings_tenant").on(t.tenantId, t.startAt), index("viewings_landlord").on(t.landlordId, t.startAt)],
);

/** A tenant's rental request: what they need, for landlords to answer with offers (the request pool). */
export const rentalRequests = sqliteTable(
  "rental_requests",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    lat: real("lat").notNull(),
    lng: real("lng").notNull(),
    radiusKm: real("radius_km").notNull(),
    city: text("city"),
    /** Most the tenant pays per period (a night or a month, by rental mode), minor units. */
    budgetAmount: integer("budget_amount").notNull(),
    currency: text("currency").notNull(),
    rentalMode: text("rental_mode", { enum: ["monthly", "nightly"] }).notNull(),
    moveIn: text("move_in").notNull(),
    /** The stay's end (exclusive): moveIn + nights, or + months. */
    moveOut: text("move_out").notNull(),
    nights: integer("nights"),
    months: integer("months"),
    units: integer("units").notNull(),
    note: text("note"),
    status: text("status", { enum: ["open", "accepted", "withdrawn", "expired"] }).notNull(),
    expiresAt: text("expires_at").notNull(),
    /** The offer whose acceptance closed the request (set by the one accept that wins). */
    acceptedOfferId: text("accepted_offer_id"),
    ...timestamps,
  },
  (t) => [
    index("rental_requests_tenant").on(t.tenantId, t.status, t.id),
    /** The pool: open requests in a latitude band, by currency and mode (never a scan of all requests). */
    index("rental_requests_pool").on(t.status, t.currency, t.rentalMode, t.lat),
    index("rental_requests_expiry").on(t.status, t.expiresAt),
  ],
);

/**
 * A landlord's answer to a rental request: one room, a price per period (all units), a stay. While
 * pending it holds one contract at the landlord's desk (keyed by the offer id, until `expiresAt`).
 * `lapsed`: the room was taken before the tenant accepted.
 */
export const offers = sqliteTable(
  "offers",
  {
    id: text("id").primaryKey(),
    requestId: text("request_id").notNull(),
    landlordId: text("landlord_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    roomId: text("room_id").notNull(),
    propertyId: text("property_id").notNull(),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    startDate: text("start_date").notNull(),
    endDate: text("end_date").notNull(),
    message: text("message"),
    status: text("status", {
      enum: ["pending", "accepted", "declined", "withdrawn", "expired", "lapsed"],
    }).notNull(),
    expiresAt: text("expires_at").notNull(),
    bookingId: text("booking_id"),
    ...timestamps,
  },
  (t) => [
    /** One live offer per landlord per request, kept by the database under any concurrency. */
    uniqueIndex("offers_live")
      .on(t.requestId, t.landlordId)
      .where(sql`status = 'pending'`),
    index("offers_request").on(t.requestId, t.status),
    index("offers_landlord").on(t.landlordId, t.id),
    index("offers_expiry").on(t.status, t.expiresAt),
  ],
);

/**
 * A landlord's performance, kept by the offer events (never recomputed per request): each event
 * counted once through landlord_stat_events.
 */
export const landlordStats = sqliteTable("landlord_stats", {
  landlordId: text("landlord_id").primaryKey(),
  lastActiveAt: text("last_active_at"),
  offersSent: integer("offers_sent").notNull().default(0),
  offersAccepted: integer("offers_accepted").notNull().default(0),
  /** Requests the landlord answered, and the sum of request posted → first offer, in ms. */
  requestsAnswered: integer("requests_answered").notNull().default(0),
  responseMsTotal: integer("response_ms_total").notNull().default(0),
});

/** Events already counted into landlord_stats. */
export const landlordStatEvents = sqliteTable("landlord_stat_events", {
  eventId: text("event_id").primaryKey(),
  at: text("at").notNull().default(now),
});

/**
 * One review per party of a completed booking. Double-blind: hidden until both parties' reviews
 * are in (`publishedAt`) or the review window has closed (`windowEndsAt`).
 */
export const reviews = sqliteTable(
  "reviews",
  {
    id: text("id").primaryKey(),
    bookingId: text("booking_id").notNull(),
    propertyId: text("property_id").notNull(),
    authorId: text("author_id").notNull(),
    subjectId: text("subject_id").notNull(),
    authorRole: text("author_role", { enum: ["tenant", "landlord"] }).notNull(),
    rating: integer("rating").notNull(),
    comment: text("comment").notNull(),
    publishedAt: text("published_at"),
    windowEndsAt: text("window_ends_at").notNull(),
    /** Removed by an admin: its text is gone and it shows nowhere, and the row stays so it cannot be written again. */
    removedAt: text("removed_at"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("reviews_booking_author").on(t.bookingId, t.authorId),
    index("reviews_property").on(t.propertyId, t.authorRole, t.createdAt),
    index("reviews_subject").on(t.subjectId, t.authorRole),
  ],
);

/**
 * Single-use account tokens sent by email (verify an address, reset a password, confirm a new
 * address), stored as SHA-256 hashes: the email holds the only copy of the token.
 */
export const accountTokens = sqliteTable(
  "account_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    purpose: text("purpose", { enum: ["verify_email", "reset_password", "change_email"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    /** The address a change_email token moves the account to. */
    newEmail: text("new_email"),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    createdAt: timestamps.createdAt,
  },
  (t) => [uniqueIndex("account_tokens_hash").on(t.tokenHash), index("account_tokens_user").on(t.userId, t.purpose)],
);

/** Two-factor recovery codes, hashed; each works once. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    userId: text("user_id").notNull(),
    codeHash: text("code_hash").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

/** A password accepted for an account with two-factor on: completed by a code within minutes, once. */
export const mfaChallenges = sqliteTable("mfa_challenges", {
  idHash: text("id_hash").primaryKey(),
  userId: text("user_id").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
  userAgent: text("user_agent"),
  place: text("place"),
});

/**
 * Failed sign-ins per account (across addresses): `failures` within the window that began at
 * `windowStart`; past the threshold each attempt waits until `slowedUntil`, doubling, capped.
 */
export const loginFailures = sqliteTable("login_failures", {
  userId: text("user_id").primaryKey(),
  failures: integer("failures").notNull(),
  windowStart: text("window_start").notNull(),
  slowedUntil: text("slowed_until"),
  notifiedAt: text("notified_at"),
});

/**
 * Prefixed, time-ordered ids (`prop_0mh1x2k3a9f4c7e2b1d0`): the prefix says what it is, the
 * base-36 millisecond timestamp makes ids sort by creation, which cursor pagination relies on.
 */
export function newId(prefix: string, now = Date.now()): string {
  const time = now.toString(36).padStart(9, "0");
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => (b % 36).toString(36)).join("");
  return `${prefix}_${time}${rand}`;
}

/** URL-safe random token of `bytes` entropy. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Hex SHA-256, used to store tokens and fingerprint requests without keeping them. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

const ROOM_ID = /^room_([0-9a-z]{17})$/;
const ROOM_BOOKING_ID = /^bkg_[0-9a-z]{17}([0-9a-z]{17})$/;

/**
 * A booking id that names its room (`bkg_<time><random><room>`), so the room's calendar, the
 * authority on the booking, is reachable from the id alone, before any read model has caught up.
 * Still time-ordered: the timestamp comes first.
 */
export function newBookingId(roomId: string, now = Date.now()): string {
  const room = ROOM_ID.exec(roomId)?.[1];
  if (!room) throw new RangeError(`not a room id: ${roomId}`);
  return `${newId("bkg", now)}${room}`;
}

/** A viewing id that names its room, as a booking id does: the room's calendar holds the viewing. */
export function newViewingId(roomId: string, now = Date.now()): string {
  const room = ROOM_ID.exec(roomId)?.[1];
  if (!room) throw new RangeError(`not a room id: ${roomId}`);
  return `${newId("vwg", now)}${room}`;
}

/** The room a viewing id names. */
export function roomOfViewing(viewingId: string): string | null {
  const room = /^vwg_[0-9a-z]{17}([0-9a-z]{17})$/.exec(viewingId)?.[1];
  return room ? `room_${room}` : null;
}

/** The room a booking id names, or null for ids made before bookings named their rooms. */
export function roomOfBooking(bookingId: string): string | null {
  const room = ROOM_BOOKING_ID.exec(bookingId)?.[1];
  return room ? `room_${room}` : null;
}

/** What newId puts after the prefix: 9 base-36 digits of time, then 8 random ones. */
const ID_BODY = "[0-9a-z]{17}";

/**
 * What an id of `prefix` made by newId looks like; a booking id may also carry its room's 17
 * (newBookingId), or not (bookings made before ids named their rooms). Checked before any query,
 * so a hostile id (a NUL byte, an unpaired surrogate, 10 kB of text) never reaches a store.
 */
export function idPattern(prefix: string): RegExp {
  if (prefix === "bkg") return new RegExp(`^bkg_${ID_BODY}(?:${ID_BODY})?$`);
  if (prefix === "vwg") return new RegExp(`^vwg_${ID_BODY}${ID_BODY}$`);
  return new RegExp(`^${prefix}_${ID_BODY}$`);
}

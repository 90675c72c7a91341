import type { EventOf } from "../../schema/events";
import {
  countUnread,
  deliveryInsert,
  findDeliveryOf,
  keepNotification,
  listNotifications,
  markRead,
  preferencesOf,
  recipients,
  savePreferences,
  type NotificationRow,
} from "../data/notifications";
import { outboxInsert } from "../data/outbox";
import { toPage } from "../domain/cursor";
import { newId } from "../domain/ids";
import {
  CHANNELS,
  LOCKED_KINDS,
  NOTIFICATION_KINDS,
  channelsFor,
  formatDay,
  formatInstant,
  formatMoney,
  formattingLocale,
  renderNotice,
  type Channel,
  type NotificationKind,
  type NoticeFacts,
} from "../domain/notifications";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { log } from "../log";
import { newEvent, publish } from "../outbox";

/** What a notice is about, before it is put in the reader's words and formats. */
export interface NoticeContext {
  property?: { title: string; country: string; timezone: string };
  amount?: { minor: number; currency: string };
  /** A calendar day: a due date, a stay's first night. */
  day?: string;
  /** Instants, shown in the property's timezone. */
  until?: string;
  when?: string;
  who?: string;
  preview?: string;
  before?: string;
}

/** One notice to one user, about one domain event. */
export interface Notice {
  userId: string;
  kind: NotificationKind;
  /** The ids it is about, for the client to link to. */
  data: Record<string, string>;
  context: NoticeContext;
}

/**
 * Tells each recipient of an event what happened, once: the in-app row is unique per event and
 * user (a redelivered event finds it and adds nothing), the email goes out through the queue
 * (tracked, retried with backoff) unless the user switched it off, and an online user gets it at
 * once on their live socket.
 */
export async function notify(deps: Deps, eventId: string, notices: Notice[]): Promise<void> {
  if (notices.length === 0) return;
  const ids = [...new Set(notices.map((n) => n.userId))];
  const [people, saved] = await Promise.all([
    recipients(deps.db, ids),
    Promise.all(ids.map(async (id) => [id, await preferencesOf(deps.db, id)] as const)),
  ]);
  const prefs = new Map(saved);
  for (const notice of notices) {
    const person = people.get(notice.userId);
    if (!person) continue;
    const choices = Object.fromEntries(
      (prefs.get(notice.userId) ?? []).filter((p) => p.kind === notice.kind).map((p) => [p.channel, p.enabled]),
    );
    const channels = channelsFor(choices);
    if (!channels.in_app && !channels.email) continue;
    const { title, body } = renderNotice(notice.kind, person.locale, factsFor(notice.context, person.locale));
    const { row, created } = await keepNotification(deps.db, {
      id: newId("ntf"),
      userId: notice.userId,
      kind: notice.kind,
      title,
      body,
      data: JSON.stringify(notice.data),
      eventId,
      inApp: channels.in_app,
      readAt: null,
      createdAt: new Date().toISOString(),
    });
    if (created && channels.in_app) await pushLive(deps, row);
    if (channels.email) await queueEmail(deps, row, person.email);
  }
}

/** The context in the reader's formats: their language, the property's country and timezone. */
function factsFor(c: NoticeContext, locale: string | null): NoticeFacts {
  const fmt = formattingLocale(locale, c.property?.country);
  const tz = c.property?.timezone ?? "UTC";
  return {
    property: c.property?.title,
    amount: c.amount ? formatMoney(c.amount.minor, c.amount.currency, fmt) : undefined,
    date: c.day ? formatDay(c.day, fmt) : undefined,
    until: c.until ? formatInstant(c.until, fmt, tz) : undefined,
    when: c.when ? formatInstant(c.when, fmt, tz) : undefined,
    who: c.who,
    preview: c.preview,
    before: c.before,
  };
}

/** The email of a notification, once: a delivery row and its `email.requested` event, written together. */
async function queueEmail(deps: Deps, row: NotificationRow, address: string): Promise<void> {
  if (await findDeliveryOf(deps.db, row.id)) return;
  const deliveryId = `eml_${row.id.slice(4)}`;
  const event = newEvent("email.requested", { deliveryId }, `evt_email_${deliveryId}`);
  await deps.db.batch([
    deliveryInsert(deps.db, { id: deliveryId, notificationId: row.id, toAddress: address, status: "queued" }),
    outboxInsert(deps.db, event),
  ]);
  await publish(deps.env, deps.db, [event]);
}

/** An online user sees the notice at once; an offline one finds it in the list. Best effort. */
async function pushLive(deps: Deps, row: NotificationRow): Promise<void> {
  try {
    const inbox = deps.env.USER_INBOX.get(deps.env.USER_INBOX.idFromName(row.userId));
    await inbox.push({
      type: "notification",
      id: row.id,
      kind: row.kind,
      title: row.title,
      body: row.body,
      data: JSON.parse(row.data) as Record<string, string>,
      createdAt: row.createdAt,
    });
  } catch (err) {
    log("warn", "live notification not pushed", { notificationId: row.id, err: String(err).slice(0, 200) });
  }
}

/** The API's view of a notification. */
function view(r: NotificationRow) {
  return {
    id: r.id,
    kind: r.kind as NotificationKind,
    title: r.title,
    body: r.body,
    data: JSON.parse(r.data) as Record<string, string>,
    createdAt: r.createdAt,
    readAt: r.readAt,
  };
}

export async function notificationsPage(
  deps: Deps,
  userId: string,
  q: { unread: boolean; limit: number; cursor: string | null },
) {
  const rows = await listNotifications(deps.db, userId, { unread: q.unread, limit: q.limit, beforeId: q.cursor });
  const page = toPage(rows, q.limit);
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

export async function unreadCount(deps: Deps, userId: string): Promise<{ count: number }> {
  return { count: await countUnread(deps.db, userId) };
}

export async function readNotifications(deps: Deps, userId: string, which: { ids?: string[]; all?: true }) {
  const marked = await markRead(deps.db, userId, which.all ? "all" : (which.ids ?? []), new Date().toISOString());
  return { marked, unread: await countUnread(deps.db, userId) };
}

export type PreferenceView = { kind: NotificationKind; locked: boolean } & Record<Channel, boolean>;

export async function preferences(deps: Deps, userId: string): Promise<{ preferences: PreferenceView[] }> {
  const saved = await preferencesOf(deps.db, userId);
  return {
    preferences: NOTIFICATION_KINDS.map((kind) => ({
      kind,
      locked: LOCKED_KINDS.has(kind),
      ...channelsFor(Object.fromEntries(saved.filter((p) => p.kind === kind).map((p) => [p.channel, p.enabled]))),
    })),
  };
}

/**
 * Saves the given kinds' channels (others keep theirs). A money or security notice may move
 * between channels but not be switched off on both: 422 `preference_locked`, nothing saved.
 */
export async function setPreferences(
  deps: Deps,
  userId: string,
  changes: { kind: NotificationKind; in_app?: boolean; email?: boolean }[],
): Promise<{ preferences: PreferenceView[] }> {
  const current = new Map((await preferences(deps, userId)).preferences.map((p) => [p.kind, p]));
  const rows = [];
  for (const change of changes) {
    const next = { ...current.get(change.kind)!, ...change };
    if (next.locked && !next.in_app && !next.email)
      throw new AppError("preference_locked", `${change.kind} notices cannot be switched off on every channel.`, {
        errors: [{ path: `preferences.${change.kind}`, message: "keep in_app or email on" }],
      });
    current.set(change.kind, next);
    for (const channel of CHANNELS)
      if (change[channel] !== undefined) rows.push({ userId, kind: change.kind, channel, enabled: change[channel] });
  }
  await savePreferences(deps.db, rows);
  return { preferences: [...current.values()] };
}

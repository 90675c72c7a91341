/**
 * What Roomline tells people, and in which words: the closed set of notification kinds, which of
 * them cannot be switched off, and one template per kind and language (English is the fallback).
 * Pure: the consumer gathers the facts, this turns them into a title and a body.
 */
export const NOTIFICATION_KINDS = [
  "booking.held",
  "booking.confirmed",
  "booking.cancelled",
  "booking.expired",
  "booking.payment_failed",
  "payment.receipt",
  "invoice.issued",
  "invoice.reminder",
  "invoice.late_fee",
  "invoice.charge_failed",
  "deposit.settled",
  "lease.ended",
  "refund.failed",
  "chat.message",
  "viewing.booked",
  "viewing.cancelled",
  "viewing.reminder",
  "offer.sent",
  "offer.accepted",
  "offer.declined",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const CHANNELS = ["in_app", "email"] as const;
export type Channel = (typeof CHANNELS)[number];

/** Money and security notices: a user may choose the channel, but not to hear nothing. */
export const LOCKED_KINDS: ReadonlySet<NotificationKind> = new Set([
  "booking.payment_failed",
  "invoice.late_fee",
  "invoice.charge_failed",
  "refund.failed",
]);

/** The channels a kind uses, given the user's saved choices for it (no choice: on). */
export function channelsFor(saved: Partial<Record<Channel, boolean>>): Record<Channel, boolean> {
  return { in_app: saved.in_app ?? true, email: saved.email ?? true };
}

/** The facts a template may name, already formatted for the reader. */
export interface NoticeFacts {
  property?: string;
  amount?: string;
  date?: string;
  until?: string;
  when?: string;
  who?: string;
  preview?: string;
  before?: string;
}

type Template = { title: string; body: string };
type Templates = Record<NotificationKind, Template>;

const en: Templates = {
  "booking.held": { title: "Room held for you", body: "{property} is held until {until}. Pay {amount} to confirm." },
  "booking.confirmed": { title: "Booking confirmed", body: "{property} from {date}: confirmed. Paid {amount}." },
  "booking.cancelled": { title: "Booking cancelled", body: "The booking of {property} from {date} was cancelled." },
  "booking.expired": { title: "Hold expired", body: "Your hold on {property} expired before payment." },
  "booking.payment_failed": {
    title: "Payment failed",
    body: "The payment of {amount} for {property} failed. The room is no longer held.",
  },
  "payment.receipt": { title: "Payment received", body: "We received {amount} for {property}. Thank you." },
  "invoice.issued": { title: "New rent invoice", body: "Rent of {amount} for {property} is due on {date}." },
  "invoice.reminder": { title: "Rent due soon", body: "Rent of {amount} for {property} is due on {date}." },
  "invoice.late_fee": {
    title: "Late fee added",
    body: "A late fee of {amount} was added to your rent for {property}.",
  },
  "invoice.charge_failed": {
    title: "Rent charge failed",
    body: "We could not charge {amount} for {property}. Please pay the invoice.",
  },
  "deposit.settled": { title: "Deposit settled", body: "The deposit for {property} was settled: {amount} returned." },
  "lease.ended": { title: "Lease ended", body: "The lease of {property} ended on {date}." },
  "refund.failed": {
    title: "Refund failed",
    body: "A refund of {amount} for {property} could not be paid out; it must be returned another way.",
  },
  "chat.message": { title: "New message from {who}", body: "{preview}" },
  "viewing.booked": { title: "Viewing booked", body: "Viewing of {property} on {when}." },
  "viewing.cancelled": { title: "Viewing cancelled", body: "The viewing of {property} on {when} was cancelled." },
  "viewing.reminder": { title: "Viewing in {before}", body: "Viewing of {property} on {when}." },
  "offer.sent": { title: "New offer from {who}", body: "{property} from {date} for {amount}." },
  "offer.accepted": { title: "Offer accepted", body: "Your offer of {property} from {date} was accepted." },
  "offer.declined": { title: "Offer declined", body: "Your offer of {property} from {date} was declined." },
};

const es: Templates = {
  "booking.held": {
    title: "Habitación reservada",
    body: "{property} está reservada hasta {until}. Paga {amount} para confirmar.",
  },
  "booking.confirmed": { title: "Reserva confirmada", body: "{property} desde {date}: confirmada. Pagado {amount}." },
  "booking.cancelled": { title: "Reserva cancelada", body: "La reserva de {property} desde {date} fue cancelada." },
  "booking.expired": { title: "Reserva caducada", body: "Tu reserva de {property} caducó antes del pago." },
  "booking.payment_failed": {
    title: "Pago fallido",
    body: "El pago de {amount} por {property} falló. La habitación ya no está reservada.",
  },
  "payment.receipt": { title: "Pago recibido", body: "Hemos recibido {amount} por {property}. Gracias." },
  "invoice.issued": {
    title: "Nueva factura de alquiler",
    body: "El alquiler de {amount} por {property} vence el {date}.",
  },
  "invoice.reminder": {
    title: "El alquiler vence pronto",
    body: "El alquiler de {amount} por {property} vence el {date}.",
  },
  "invoice.late_fee": {
    title: "Recargo por demora",
    body: "Se añadió un recargo de {amount} a tu alquiler de {property}.",
  },
  "invoice.charge_failed": {
    title: "Cobro fallido",
    body: "No pudimos cobrar {amount} por {property}. Paga la factura, por favor.",
  },
  "deposit.settled": { title: "Fianza liquidada", body: "La fianza de {property} se liquidó: {amount} devueltos." },
  "lease.ended": { title: "Contrato finalizado", body: "El contrato de {property} terminó el {date}." },
  "refund.failed": {
    title: "Reembolso fallido",
    body: "Un reembolso de {amount} por {property} no se pudo pagar; debe devolverse de otra forma.",
  },
  "chat.message": { title: "Nuevo mensaje de {who}", body: "{preview}" },
  "viewing.booked": { title: "Visita reservada", body: "Visita de {property} el {when}." },
  "viewing.cancelled": { title: "Visita cancelada", body: "La visita de {property} el {when} fue cancelada." },
  "viewing.reminder": { title: "Visita en {before}", body: "Visita de {property} el {when}." },
  "offer.sent": { title: "Nueva oferta de {who}", body: "{property} desde {date} por {amount}." },
  "offer.accepted": { title: "Oferta aceptada", body: "Tu oferta de {property} desde {date} fue aceptada." },
  "offer.declined": { title: "Oferta rechazada", body: "Tu oferta de {property} desde {date} fue rechazada." },
};

const TEMPLATES: Record<string, Templates> = { en, es };

/** The language of a BCP 47 tag that has templates, else English. */
export function languageOf(locale: string | null | undefined): string {
  const lang = (locale ?? "").split("-")[0]!.toLowerCase();
  return lang in TEMPLATES ? lang : "en";
}

/** Title and body of a notice in the reader's language; a fact the template names but lacks reads as "—". */
export function renderNotice(kind: NotificationKind, locale: string | null | undefined, facts: NoticeFacts): Template {
  const template = TEMPLATES[languageOf(locale)]![kind];
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (_, k: string) => facts[k as keyof NoticeFacts] ?? "—");
  return { title: fill(template.title), body: fill(template.body) };
}

/**
 * The locale money and dates are written in: the property's, from its country (a room in Lisbon
 * reads "246,90 €" and "01/05/2027" whatever the reader's language), else the reader's own.
 */
export function formattingLocale(readerLocale: string | null | undefined, country: string | null | undefined): string {
  try {
    if (country) {
      const likely = new Intl.Locale(`und-${country.toUpperCase()}`).maximize();
      return `${likely.language}-${likely.region}`; // the script subtag would send ICU to the language's default region
    }
    return Intl.getCanonicalLocales(readerLocale ?? "en")[0] ?? "en";
  } catch {
    return "en";
  }
}

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/** Minor units of `currency` as the locale writes them (1234500 EUR → "12.345,00 €" in pt-PT). */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const f = cached(`m|${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: "currency", currency }));
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}

/** Numeric, so that a date reads right in any language's sentence. */
const DAY: Intl.DateTimeFormatOptions = { year: "numeric", month: "2-digit", day: "2-digit" };

/** A calendar day (YYYY-MM-DD) as the locale writes it. */
export function formatDay(day: string, locale: string): string {
  const f = cached(`d|${locale}`, () => new Intl.DateTimeFormat(locale, { ...DAY, timeZone: "UTC" }));
  return f.format(new Date(`${day}T00:00:00Z`));
}

/** An instant as wall-clock time where the property is. */
export function formatInstant(iso: string, locale: string, timeZone: string): string {
  const f = cached(
    `t|${locale}|${timeZone}`,
    () => new Intl.DateTimeFormat(locale, { ...DAY, hour: "2-digit", minute: "2-digit", timeZone }),
  );
  return f.format(new Date(iso));
}

/** The reader's language, as a tag Intl accepts (some systems report things like `en-US@posix`). */
const LOCALE = (() => {
  try {
    return Intl.getCanonicalLocales(navigator.language)[0] ?? "en";
  } catch {
    return "en";
  }
})();

/** Decimal places of a currency's minor unit (0 for JPY and the other zero-decimal currencies). */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** An amount typed in major units ("12.50") as the API's minor units, for that currency. */
export function toMinor(typed: string, currency: string): number {
  return Math.round(Number(typed) * 10 ** minorDigits(currency));
}

export function toMajor(m: { amount: number; currency: string }): string {
  return String(m.amount / 10 ** minorDigits(m.currency));
}

/** Money in minor units, in the reader's locale (zero-decimal currencies as they are). */
export function money(m: { amount: number; currency: string }): string {
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency: m.currency }).format(
    m.amount / 10 ** minorDigits(m.currency),
  );
}

export function day(iso: string): string {
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(`${iso.slice(0, 10)}T00:00:00Z`),
  );
}

export function addDays(iso: string, n: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const today = () => new Date().toISOString().slice(0, 10);

/** The reader's language, as a tag Intl accepts (some systems report things like `en-US@posix`). */
const LOCALE = (() => {
  try {
    return Intl.getCanonicalLocales(navigator.language)[0] ?? "en";
  } catch {
    return "en";
  }
})();

/** Money in minor units, in the reader's locale (zero-decimal currencies as they are). */
export function money(m: { amount: number; currency: string }): string {
  const digits =
    new Intl.NumberFormat("en", { style: "currency", currency: m.currency }).resolvedOptions().maximumFractionDigits ??
    2;
  return new Intl.NumberFormat(LOCALE, { style: "currency", currency: m.currency }).format(m.amount / 10 ** digits);
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

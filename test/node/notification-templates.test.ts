import { describe, expect, it } from "vitest";
import {
  NOTIFICATION_KINDS,
  formatDay,
  formatInstant,
  formatMoney,
  formattingLocale,
  languageOf,
  renderNotice,
} from "../../workers/domain/notifications";

describe("notification templates", () => {
  it("exist for every kind in every language, and fill every fact they name", () => {
    const facts = { property: "P", amount: "A", date: "D", until: "U", when: "W", who: "N", preview: "V", before: "B" };
    for (const locale of ["en", "es-ES"])
      for (const kind of NOTIFICATION_KINDS) {
        const { title, body } = renderNotice(kind, locale, facts);
        expect(title.length, `${kind} ${locale}`).toBeGreaterThan(0);
        expect(`${title} ${body}`, `${kind} ${locale}`).not.toMatch(/[{}]/);
      }
  });

  it("fall back to English for a language without templates, and show a missing fact as a dash", () => {
    expect(languageOf("fr-FR")).toBe("en");
    expect(languageOf(null)).toBe("en");
    expect(renderNotice("booking.expired", "fr", {}).body).toBe("Your hold on — expired before payment.");
  });

  it("write money and dates as the property's country does, in its timezone", () => {
    expect(formattingLocale("en", "PT")).toBe("pt-PT");
    expect(formattingLocale("es", null)).toBe("es");
    const euros = new Intl.NumberFormat("pt-PT", { style: "currency", currency: "EUR" }).format(1234.5);
    expect(formatMoney(123450, "EUR", "pt-PT")).toBe(euros);
    // Zero-decimal currencies are counted in whole units.
    expect(formatMoney(1200, "JPY", "ja-JP")).toBe(
      new Intl.NumberFormat("ja-JP", { style: "currency", currency: "JPY" }).format(1200),
    );
    expect(formatDay("2027-05-01", "pt-PT")).toBe("01/05/2027");
    // 08:30 UTC is 10:30 in Berlin in summer.
    expect(formatInstant("2027-07-01T08:30:00.000Z", "de-DE", "Europe/Berlin")).toContain("10:30");
  });
});

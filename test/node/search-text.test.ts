import { describe, expect, it } from "vitest";
import { distanceKm, radiusBox, viewportBox } from "../../workers/domain/geo";
import { foldedText, highlight, matcher, queryWords, variants } from "../../workers/domain/search-text";

describe("search text", () => {
  it("folds accents, case and punctuation into words", () => {
    expect(queryWords("Café-Bar  MÜNCHEN münchen bills_included")).toEqual([
      "cafe",
      "bar",
      "munchen",
      "bills",
      "included",
    ]);
    expect(foldedText("São Paulo", "wifi")).toBe(" sao paulo wifi ");
  });

  it("gives words of 5+ letters their one-letter-less variants, shorter words only themselves", () => {
    expect(variants("flat")).toEqual(["flat"]);
    expect(variants("berlin")).toEqual(["berlin", "erlin", "brlin", "belin", "berin", "berln", "berli"]);
    const shared = (a: string, b: string) => variants(a).some((v) => variants(b).includes(v));
    expect(shared("balcony", "balcny")).toBe(true); // missing
    expect(shared("balcony", "balcomy")).toBe(true); // wrong
    expect(shared("balcony", "blacony")).toBe(true); // swapped
    expect(shared("balcony", "balconyy")).toBe(true); // extra
    expect(shared("balcony", "garden")).toBe(false);
  });

  it("marks what matched, escaping the rest", () => {
    const isHit = matcher(["balcny", "lisb"]);
    expect(highlight("Flat with <balcony> in Lisbon", isHit)).toBe(
      "Flat with &#60;<mark>balcony</mark>&#62; in <mark>Lisbon</mark>",
    );
    expect(highlight("Nothing here", isHit)).toBeUndefined();
  });
});

describe("geo", () => {
  it("measures great-circle distance", () => {
    expect(distanceKm({ lat: 38.7223, lng: -9.1393 }, { lat: 52.52, lng: 13.405 })).toBeCloseTo(2312, -1);
    expect(distanceKm({ lat: 60, lng: 10 }, { lat: 60, lng: 10.9 })).toBeCloseTo(50, 0);
  });

  it("boxes a radius, wrapping past the antimeridian and opening at the poles", () => {
    const suva = radiusBox({ lat: -18.14, lng: 179.9 }, 100);
    expect(suva.lngRanges).toHaveLength(2);
    expect(suva.lngRanges[0]![1]).toBe(180);
    expect(suva.lngRanges[1]![0]).toBe(-180);
    expect(radiusBox({ lat: 89.9, lng: 0 }, 100).lngRanges).toEqual([[-180, 180]]);
    const lisbon = radiusBox({ lat: 38.72, lng: -9.14 }, 10);
    expect(lisbon.maxLat - lisbon.minLat).toBeCloseTo((20 / 6371.0088) * (180 / Math.PI), 6);
  });

  it("splits a viewport that crosses the antimeridian", () => {
    expect(viewportBox(170, -45, -170, -10).lngRanges).toEqual([
      [170, 180],
      [-180, -170],
    ]);
  });
});

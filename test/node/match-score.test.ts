import { describe, expect, it } from "vitest";
import { fitOf, landlordScore, matchScore } from "../../workers/domain/match-score";

const HOUR = 3_600_000;
const base = {
  activeContracts: 0,
  totalCapacity: null,
  sinceActiveMs: null,
  acceptanceRate: null,
  avgFirstResponseMs: null,
};

describe("landlord score", () => {
  it("follows the seed's formula on fixed inputs", () => {
    expect(landlordScore(base)).toBe(70); // 50 + no cap (fully free) 20
    expect(landlordScore({ ...base, activeContracts: 3, totalCapacity: 4 })).toBe(55); // 50 + 0.25 × 20
    expect(landlordScore({ ...base, activeContracts: 4, totalCapacity: 4 })).toBe(50);
    expect(landlordScore({ ...base, totalCapacity: 0 })).toBe(50); // a cap of 0 closes the landlord
    expect(landlordScore({ ...base, sinceActiveMs: 23 * HOUR })).toBe(85);
    expect(landlordScore({ ...base, sinceActiveMs: 25 * HOUR })).toBe(80);
    expect(landlordScore({ ...base, sinceActiveMs: 8 * 24 * HOUR })).toBe(70);
    expect(landlordScore({ ...base, acceptanceRate: 0.8 })).toBe(70); // more than 0.8 is needed
    expect(landlordScore({ ...base, acceptanceRate: 0.81 })).toBe(80);
    expect(landlordScore({ ...base, avgFirstResponseMs: 59 * 60_000 })).toBe(75);
    expect(
      landlordScore({
        activeContracts: 0,
        totalCapacity: 10,
        sinceActiveMs: 0,
        acceptanceRate: 1,
        avgFirstResponseMs: 0,
      }),
    ).toBe(100);
    // More contracts than the cap (a cap lowered under live ones) cannot push it below 0 or skew it upwards.
    expect(landlordScore({ ...base, activeContracts: 30, totalCapacity: 1 })).toBe(0);
  });
});

describe("match score", () => {
  it("adds the room's fit: nearer and cheaper ranks higher", () => {
    const near = fitOf({ distanceKm: 0, radiusKm: 5, price: 40000, budget: 80000 });
    const far = fitOf({ distanceKm: 4, radiusKm: 5, price: 80000, budget: 80000 });
    expect(near).toBe(1);
    expect(far).toBeCloseTo(0.1);
    expect(matchScore(70, near)).toBe(78);
    expect(matchScore(70, far)).toBe(55);
    expect(matchScore(100, 1)).toBe(100);
  });
});

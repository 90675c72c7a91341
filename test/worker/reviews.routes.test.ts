import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bookHeld, call, inDays, json, landlordWithRoom, signUp } from "./helpers";
import { stayed } from "./tenancy";

function review(token: string, bookingId: string, body: Record<string, unknown> = { rating: 5, comment: "Lovely." }) {
  return call("POST", `/v1/bookings/${bookingId}/reviews`, { token, body });
}

async function propertyReviews(propertyId: string) {
  const res = await call("GET", `/v1/properties/${propertyId}/reviews`);
  expect(res.status).toBe(200);
  return json(res);
}

describe("reviews", () => {
  it("open when the stay is over, once per party, and stay hidden until both are in", async () => {
    const { landlord, tenant, property, booking, move } = await stayed(1);
    // Before the stay: not yet.
    const early = await review(tenant.accessToken, booking.id);
    expect(early.status).toBe(409);
    expect((await json(early)).code).toBe("review_not_open");
    await move();

    const stranger = await signUp("tenant");
    expect((await review(stranger.accessToken, booking.id)).status).toBe(404);
    expect((await call("GET", `/v1/bookings/${booking.id}/reviews`, { token: stranger.accessToken })).status).toBe(404);
    const bad = await review(tenant.accessToken, booking.id, { rating: 6, comment: "" });
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors.map((e: { path: string }) => e.path).sort()).toEqual(["comment", "rating"]);

    const mine = await review(tenant.accessToken, booking.id, { rating: 4, comment: "Quiet and clean." });
    expect(mine.status).toBe(201);
    expect(await json(mine)).toMatchObject({ rating: 4, authorRole: "tenant", visible: false });
    const twice = await review(tenant.accessToken, booking.id);
    expect(twice.status).toBe(409);
    expect((await json(twice)).code).toBe("review_exists");

    // Blind: the landlord does not see it, nor does the public, nor is it counted.
    const landlordView = await json(
      await call("GET", `/v1/bookings/${booking.id}/reviews`, { token: landlord.accessToken }),
    );
    expect(landlordView.items).toEqual([]);
    expect(await propertyReviews(property.id)).toMatchObject({ items: [], rating: { average: null, count: 0 } });

    // The landlord's review is in: both show at once.
    const theirs = await review(landlord.accessToken, booking.id, { rating: 5, comment: "Model guest." });
    expect((await json(theirs)).visible).toBe(true);
    const both = await json(await call("GET", `/v1/bookings/${booking.id}/reviews`, { token: tenant.accessToken }));
    expect(both.items.map((r: any) => [r.authorRole, r.visible]).sort()).toEqual([
      ["landlord", true],
      ["tenant", true],
    ]);
    const listed = await propertyReviews(property.id);
    expect(listed.rating).toEqual({ average: 4, count: 1 });
    expect(listed.items).toMatchObject([{ rating: 4, comment: "Quiet and clean.", authorName: expect.any(String) }]);
    const profile = await json(await call("GET", `/v1/landlords/${landlord.id}/profile`));
    expect(profile).toMatchObject({ rating: 4, reviewCount: 1 });
  });

  it("show one party's review when the 14-day window closes, and refuse reviews after it or of an unpaid hold", async () => {
    const { tenant, property, booking, move } = await stayed(2);
    await move();
    expect((await review(tenant.accessToken, booking.id, { rating: 3, comment: "Fine." })).status).toBe(201);
    expect((await propertyReviews(property.id)).items).toEqual([]);
    // Fourteen days pass without the landlord's review.
    await env.DB.prepare("UPDATE reviews SET window_ends_at = ? WHERE booking_id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), booking.id)
      .run();
    expect((await propertyReviews(property.id)).rating).toEqual({ average: 3, count: 1 });

    const late = await stayed(20);
    await late.move();
    const closed = await review(late.landlord.accessToken, late.booking.id);
    expect(closed.status).toBe(409);
    expect((await json(closed)).code).toBe("review_not_open");

    const { room } = await landlordWithRoom({ rentalMode: "nightly" });
    const unpaid = await bookHeld(tenant.accessToken, { roomId: room.id, startDate: inDays(3), endDate: inDays(5) });
    const held = await review(tenant.accessToken, unpaid.id);
    expect(held.status).toBe(409);
    expect((await json(held)).code).toBe("review_not_open");
  });
});

import { useQuery } from "@tanstack/react-query";
import type { InferResponseType } from "hono/client";
import { api, ok } from "../../api";
import { Alert } from "../../form";
import { day, money } from "../../format";

/** A booking as the API lists it (for a landlord: a booking of one of their rooms). */
type BookingItem = InferResponseType<typeof api.v1.bookings.$get, 200>["items"][number];

/** Every booking of the landlord's rooms (the list has no room filter), a page of 100 at a time. */
export function useLandlordBookings() {
  return useQuery({
    queryKey: ["bookings", "all"],
    queryFn: async () => {
      const all: BookingItem[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const got = await ok(await api.v1.bookings.$get({ query: { limit: "100", ...(cursor ? { cursor } : {}) } }));
        all.push(...got.items);
        if (!got.nextCursor) break;
        cursor = got.nextCursor;
      }
      return all;
    },
  });
}

export type LandlordBookings = ReturnType<typeof useLandlordBookings>;

/** The bookings of one room, out of all the landlord's. */
export function RoomBookings({ roomId, bookings }: { roomId: string; bookings: LandlordBookings }) {
  const mine = bookings.data?.filter((b) => b.roomId === roomId) ?? [];
  return (
    <div>
      <h4 id={`${roomId}-bookings-title`}>Bookings</h4>
      {bookings.isLoading && <p role="status">Loading bookings…</p>}
      <Alert error={bookings.error} />
      {bookings.data && mine.length === 0 && (
        <p class="muted">No bookings of this room yet. Tenants book it from its listing.</p>
      )}
      {mine.length > 0 && (
        <ul>
          {mine.map((b) => (
            <li key={b.id}>
              {day(b.startDate)} – {day(b.endDate)} · {b.status.replace("_", " ")} · {money(b.amountDue)}
              {b.units > 1 && <> · {b.units} units</>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

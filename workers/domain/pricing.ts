import { daysBetween } from "./dates";

export interface PricedRoom {
  rentalMode: "monthly" | "nightly";
  priceAmount: number;
  depositAmount: number;
}

/**
 * What a booking charges up front, in minor units: deposit plus the first month for monthly rooms,
 * the whole stay for nightly rooms, at `perPeriod` (all units; the room's price unless an offer set
 * another). Integer arithmetic only.
 */
export function amountDue(
  room: PricedRoom,
  stay: { startDate: string; endDate: string; units: number },
  perPeriod = room.priceAmount * stay.units,
): number {
  const amount =
    room.rentalMode === "monthly"
      ? room.depositAmount + perPeriod
      : perPeriod * daysBetween(stay.startDate, stay.endDate);
  if (!Number.isSafeInteger(amount)) throw new RangeError("amount out of range");
  return amount;
}

/**
 * The room's cancellation policy: a full refund when cancelled at least `freeCancellationDays`
 * before the start (or by the landlord, at any time); nothing after that.
 */
export function refundOnCancel(
  paid: number,
  policy: { freeCancellationDays: number },
  when: { today: string; startDate: string; byLandlord: boolean },
): number {
  if (when.byLandlord) return paid;
  return daysBetween(when.today, when.startDate) >= policy.freeCancellationDays ? paid : 0;
}

import { env } from "cloudflare:workers";
import { bookHeld, call, eventually, inDays, json, landlordWithRoom, mintTenant, signUp } from "./helpers";
import { customerPays, deliver, stripeEvent } from "./stripe";

/** A monthly booking paid through Stripe (webhook delivered as Stripe would), and the lease it becomes. */
export async function leased(
  room: Record<string, unknown> = {},
  tenant: { id: string; accessToken: string } | null = null,
) {
  const { landlord, room: r } = await landlordWithRoom(room);
  tenant ??= await mintTenant();
  const booking = await bookHeld(tenant.accessToken, {
    roomId: r.id,
    startDate: inDays(20),
    endDate: inDays(200),
    units: 1,
  });
  const paymentIntentId = booking.payment.paymentIntentId as string;
  await customerPays(paymentIntentId);
  await deliver(await stripeEvent("payment_intent.succeeded", paymentIntentId));
  const lease = await eventually(
    async () => (await json(await call("GET", "/v1/leases", { token: tenant.accessToken }))).items[0],
  );
  return { landlord, tenant, room: r, booking, lease, paymentIntentId };
}

const DAY = 86_400_000;

/** A nightly stay booked and paid (the webhook as Stripe sends it), then moved `endedDaysAgo` into the past, as time would. */
export async function stayed(endedDaysAgo: number) {
  const { landlord, room, property } = await landlordWithRoom({
    rentalMode: "nightly",
    price: { amount: 9000, currency: "EUR" },
    deposit: { amount: 0, currency: "EUR" },
  });
  const tenant = await signUp("tenant");
  const booking = await bookHeld(tenant.accessToken, { roomId: room.id, startDate: inDays(3), endDate: inDays(6) });
  await customerPays(booking.payment.paymentIntentId);
  await deliver(await stripeEvent("payment_intent.succeeded", booking.payment.paymentIntentId));
  await eventually(async () => {
    const row = await env.DB.prepare("SELECT status FROM bookings WHERE id = ?")
      .bind(booking.id)
      .first<{ status: string }>();
    return row?.status === "confirmed" ? true : undefined;
  });
  const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
  const move = () =>
    env.DB.prepare("UPDATE bookings SET start_date = ?, end_date = ? WHERE id = ?")
      .bind(day(-endedDaysAgo - 3), day(-endedDaysAgo), booking.id)
      .run();
  return { landlord, tenant, property, booking, move };
}

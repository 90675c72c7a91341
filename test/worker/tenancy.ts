import { bookHeld, call, eventually, inDays, json, landlordWithRoom, mintTenant } from "./helpers";
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

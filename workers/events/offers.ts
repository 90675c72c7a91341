import type { EventOf } from "../../schema/events";
import type { D1Db } from "../data/d1";
import { countStatEvent } from "../data/landlord-stats";
import { noticeOffer } from "./notifications";

/** An offer sent: counted into the landlord's performance (activity, offers, first response), and the tenant told. */
export async function offerSent(event: EventOf<"offer.sent">, env: Env, db: D1Db): Promise<void> {
  const { offer, responseMs } = event.data;
  await countStatEvent(db, event.id, offer.landlordId, { sent: 1, responseMs, activeAt: offer.createdAt });
  await noticeOffer(event, env, db, offer.tenantId, offer.landlordId);
}

/** An offer accepted: counted for the landlord's acceptance rate, and the landlord told. */
export async function offerAccepted(event: EventOf<"offer.accepted">, env: Env, db: D1Db): Promise<void> {
  await countStatEvent(db, event.id, event.data.offer.landlordId, { accepted: 1 });
  await noticeOffer(event, env, db, event.data.offer.landlordId, event.data.offer.tenantId);
}

/** An offer declined (or passed over for another): the landlord told. */
export async function offerDeclined(event: EventOf<"offer.declined">, env: Env, db: D1Db): Promise<void> {
  await noticeOffer(event, env, db, event.data.offer.landlordId, event.data.offer.tenantId);
}

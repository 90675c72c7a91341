/**
 * The Stripe events the platform acts on: the webhook endpoint subscribes to these only
 * (docs/deploy.md; `npm start` and the bench configure the Stripe fake the same way). Anything else
 * that arrives is acknowledged and dropped without touching Postgres. A refund can fail days after
 * Stripe accepted it (`refund.failed`; `charge.refund.updated` on accounts whose endpoint predates
 * it): the books must take back what they said went out.
 */
export const STRIPE_EVENTS_ACTED_ON = [
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "refund.failed",
  "charge.refund.updated",
] as const;

/** The events among those that report a refund changing (whatever it changed to). */
export const REFUND_EVENTS: readonly string[] = ["refund.failed", "charge.refund.updated"];

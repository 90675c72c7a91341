/**
 * The Stripe events the platform acts on: the webhook endpoint subscribes to these only
 * (docs/deploy.md; `npm start` and the bench configure the Stripe fake the same way). Anything else
 * that arrives is acknowledged and dropped without touching Postgres.
 */
export const STRIPE_EVENTS_ACTED_ON = ["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"] as const;

/**
 * The Stripe fake in its own process for the bench, so serving PaymentIntents and delivering
 * webhooks does not share an event loop with the load generator. Quiet: it prints only failed
 * webhook deliveries (and a count of requests every 5 s while busy).
 * Env: STRIPE_FAKE_PORT, STRIPE_WEBHOOK_URL (empty: events stay in the fake), STRIPE_WEBHOOK_SECRET,
 * STRIPE_WEBHOOK_EVENTS (`acted-on`, the default, or `all`).
 * Arguments: `--for=<role>` only names the instance (the fair peer has its own) for the CPU breakdown.
 */
import { startStripeFake } from "../fakes/stripe/server";
import { STRIPE_EVENTS_ACTED_ON } from "../schema/stripe-webhooks";

let requests = 0;
let reported = 0;

const fake = await startStripeFake({
  port: Number(process.env.STRIPE_FAKE_PORT),
  webhookUrl: process.env.STRIPE_WEBHOOK_URL || undefined,
  // Subscribed to the events the platform acts on, as the production endpoint is (and `npm start`'s fake);
  // STRIPE_WEBHOOK_EVENTS=all (BENCH_STRIPE_WEBHOOKS=all) posts every type, to measure what the others cost.
  enabledEvents: process.env.STRIPE_WEBHOOK_EVENTS === "all" ? undefined : STRIPE_EVENTS_ACTED_ON,
  webhookSecret: process.env.STRIPE_WEBHOOK_SECRET!,
  log: (line) => {
    requests++;
    if (/fail|error/i.test(line) && !/payment_failed/.test(line)) console.log(line);
  },
});
console.log(`listening on ${fake.url}`);

setInterval(() => {
  if (requests !== reported) console.log(`log lines so far: ${requests}`);
  reported = requests;
}, 5000).unref();

const stop = (): void => void fake.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

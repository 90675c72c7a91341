import { app } from "./app";
import { runScheduled } from "./cron";
import { consumeEvents } from "./events/consumer";
import { consumeDeadLetters } from "./events/dead-letter";

export { RoomCalendar } from "../durable-objects/room-calendar";
export { RoomChat } from "../durable-objects/room-chat";
export { LandlordDesk } from "../durable-objects/landlord-desk";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, env);
    else await consumeEvents(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    await runScheduled(controller, env);
  },
} satisfies ExportedHandler<Env, unknown>;

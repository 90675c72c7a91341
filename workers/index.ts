import { app } from "./app";
import { runScheduled } from "./cron";
import { consumeEvents } from "./events/consumer";
import { consumeDeadLetters } from "./events/dead-letter";
import { setLogLevel } from "./log";

export { RoomCalendar } from "../durable-objects/room-calendar";
export { RoomChat } from "../durable-objects/room-chat";
export { LandlordDesk } from "../durable-objects/landlord-desk";
export { VectorIndexLocal } from "../durable-objects/vector-index-local";
export { UserInbox } from "../durable-objects/user-inbox";

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    setLogLevel(env.LOG_LEVEL);
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env, _ctx) {
    setLogLevel(env.LOG_LEVEL);
    if (batch.queue.endsWith("-dlq")) await consumeDeadLetters(batch, env);
    else await consumeEvents(batch, env);
  },
  async scheduled(controller, env, _ctx) {
    setLogLevel(env.LOG_LEVEL);
    await runScheduled(controller, env);
  },
} satisfies ExportedHandler<Env, unknown>;

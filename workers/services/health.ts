import { withPg } from "../data/pg";
import { log } from "../log";

const CHECK_TIMEOUT_MS = 3000;
export type CheckState = "ok" | "down";

/** Probes D1 and Postgres at once, each bounded by a timeout, so a hung dependency reads as down. */
export async function checkDependencies(env: Env): Promise<{ d1: CheckState; postgres: CheckState }> {
  const [d1, postgres] = await Promise.all([
    probe("d1", () => env.DB.prepare("select 1").first()),
    probe("postgres", () => withPg(env, (_db, client) => client.query("select 1"))),
  ]);
  return { d1, postgres };
}

async function probe(name: string, run: () => Promise<unknown>): Promise<CheckState> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(), timeout]);
    return "ok";
  } catch (err) {
    log("error", "health check failed", { check: name, err: String(err) });
    return "down";
  } finally {
    clearTimeout(timer);
  }
}

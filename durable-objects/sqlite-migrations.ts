/**
 * Versioned SQLite storage for Durable Objects: each object lists its schema steps in order, never
 * editing one once deployed; an object created by older code catches up on its next start. Call it
 * from the constructor inside `ctx.blockConcurrencyWhile`, and only there.
 */
export function migrate(sql: SqlStorage, steps: readonly string[]): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)",
  );
  const current = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
  for (let v = current; v < steps.length; v++) sql.exec(steps[v]!);
  if (current < steps.length) sql.exec("INSERT OR REPLACE INTO schema_version VALUES (1, ?)", steps.length);
}

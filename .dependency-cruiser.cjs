/**
 * The layers of ../shared/DESIGN.md ("Layers"): each folder may import only those below it.
 * `npm test` runs this; a forbidden arrow fails the suite with the rule's name.
 */
const KERNEL = "^workers/(errors|log|trace)\\.ts$";
const layer = (name, from, allowed) => ({
  name,
  comment: `${from} may import only: ${allowed.join(", ") || "nothing of ours"}`,
  severity: "error",
  from: { path: from },
  to: { path: "^(workers|durable-objects|schema|web|scripts|fakes|bench|test)/", pathNot: [from, ...allowed] },
});

module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: {}, to: { circular: true, dependencyTypesNot: ["type-only"] } },
    layer("kernel", KERNEL, [KERNEL]),
    layer("domain", "^workers/domain/", []),
    layer("shapes", "^schema/", ["^workers/domain/"]),
    layer("objects", "^durable-objects/", ["^workers/domain/", "^schema/", KERNEL]),
    layer("adapters", "^workers/(data|payments|vectors)/", [
      "^workers/(data|payments|vectors)/",
      "^workers/domain/",
      "^schema/",
      KERNEL,
    ]),
    layer("outbox", "^workers/outbox\\.ts$", ["^workers/data/", "^workers/domain/", "^schema/", KERNEL]),
    layer("use-cases", "^workers/(services|events|cron)/", [
      "^workers/(services|events|cron)/",
      "^workers/(data|payments|vectors)/",
      "^workers/outbox\\.ts$",
      "^workers/domain/",
      "^schema/",
      KERNEL,
      "^durable-objects/",
      "^workers/deps\\.ts$",
    ]),
    layer("routes", "^workers/routes/", [
      "^workers/(routes|http)/",
      "^workers/services/",
      "^schema/",
      KERNEL,
      "^workers/env\\.ts$",
    ]),
    // Middleware keeps what only HTTP needs: the idempotency store and token checks reach data and domain directly.
    layer("http", "^workers/http/", [
      "^workers/http/",
      "^workers/(data|domain)/",
      "^schema/",
      KERNEL,
      "^workers/(env|deps)\\.ts$",
    ]),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(node_modules|worker-configuration\\.d\\.ts)" },
  },
};

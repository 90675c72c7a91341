/**
 * Type-checks the web app (web/tsconfig.json: DOM types). The app imports the worker's `AppType`
 * for its typed client, so tsc also walks the worker's files, which only type under the Workers
 * types (tsconfig.json checks them there); their DOM-only disagreements are not the app's. Fails on
 * any diagnostic in web/ itself.
 */
import { relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(import.meta.dirname, "..");
const configPath = resolve(root, "web/tsconfig.json");
const config = ts.getParsedCommandLineOfConfigFile(
  configPath,
  {},
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
);
if (!config) throw new Error("web/tsconfig.json does not parse");
const program = ts.createProgram(config.fileNames, config.options);
const web = ts
  .getPreEmitDiagnostics(program)
  .filter((d) => !d.file || relative(root, d.file.fileName).startsWith("web/"));
if (web.length > 0) {
  const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  console.error(ts.formatDiagnosticsWithColorAndContext(web, host));
  process.exit(1);
}
console.log(`web: ${config.fileNames.length} files type-check`);

import { Hono } from "hono";
import type { AppEnv } from "../env";
import { DOCS_HTML, DOCS_JS } from "./docs-page";

const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";

/** The offline API reference: its page and script both come from this worker. */
export const docs = new Hono<AppEnv>()
  .get("/", (c) => c.html(DOCS_HTML, 200, { "content-security-policy": CSP }))
  .get("/reference.js", (c) => c.body(DOCS_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }));

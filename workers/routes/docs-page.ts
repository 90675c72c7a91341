/**
 * The interactive API reference at /docs. It is served by the worker itself (no CDN), so it works
 * offline and under a strict Content-Security-Policy: one HTML page and one script.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roomline API reference</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center}
header input{flex:1;max-width:520px;padding:6px;border-radius:4px;border:0}
main{max-width:1100px;margin:0 auto;padding:16px}
h2{margin:24px 0 8px;text-transform:capitalize}
details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:6px 0}
summary{padding:8px 12px;cursor:pointer;display:flex;gap:12px;align-items:center}
.m{font-weight:700;width:64px;text-transform:uppercase}.get{color:#1769aa}.post{color:#1e7d32}.patch{color:#a15c00}.put{color:#6b3fa0}.delete{color:#b3261e}
.body{padding:8px 16px 16px;border-top:1px solid #eef0f3}
pre{background:#f1f3f6;padding:8px;overflow:auto;max-height:360px}
textarea{width:100%;min-height:120px;font-family:monospace}
label{display:block;margin:4px 0}button{padding:6px 14px}
</style></head>
<body><header><strong>Roomline API</strong><input id="token" placeholder="Bearer access token (optional)"><a style="color:#9cf" href="/openapi.json">openapi.json</a></header>
<main id="ops">Loading…</main><script src="/docs/reference.js"></script></body></html>`;

export const DOCS_JS = `(async () => {
  const spec = await (await fetch("/openapi.json")).json();
  const root = document.getElementById("ops");
  const resolve = (s) => (s && s.$ref ? spec.components.schemas[s.$ref.split("/").pop()] : s);
  const el = (tag, attrs = {}, ...kids) => { const e = Object.assign(document.createElement(tag), attrs); e.append(...kids); return e; };
  const byTag = {};
  for (const [path, ops] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(ops)) (byTag[(op.tags || ["other"])[0]] ||= []).push({ path, method, op });
  root.textContent = "";
  for (const [tag, ops] of Object.entries(byTag)) {
    root.append(el("h2", { textContent: tag }));
    for (const { path, method, op } of ops) root.append(operation(path, method, op));
  }
  function operation(path, method, op) {
    const params = (op.parameters || []).map((p) => ({ p, input: el("input", { placeholder: p.name }) }));
    const bodySchema = op.requestBody && resolve(op.requestBody.content["application/json"].schema);
    const body = bodySchema && el("textarea", { value: JSON.stringify(example(bodySchema), null, 2) });
    const out = el("pre", { textContent: "" });
    const send = el("button", { textContent: "Send", onclick: async () => {
      let url = path; const q = new URLSearchParams();
      for (const { p, input } of params) if (input.value) p.in === "path" ? (url = url.replace("{" + p.name + "}", encodeURIComponent(input.value))) : q.set(p.name, input.value);
      const headers = { "content-type": "application/json" };
      const token = document.getElementById("token").value.trim();
      if (token) headers.authorization = "Bearer " + token.replace(/^Bearer /, "");
      if (method === "post") headers["idempotency-key"] = crypto.randomUUID();
      const res = await fetch(url + (q.size ? "?" + q : ""), { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
      const text = await res.text();
      let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
      out.textContent = res.status + " " + res.statusText + "\\n" + shown;
    } });
    const responses = Object.entries(op.responses || {}).map(([s, r]) => s + " " + r.description).join("\\n");
    return el("details", {},
      el("summary", {}, el("span", { className: "m " + method, textContent: method }), el("code", { textContent: path }), el("span", { textContent: op.summary || "" })),
      el("div", { className: "body" },
        ...params.map(({ p, input }) => el("label", {}, p.name + " (" + p.in + (p.required ? ", required" : "") + ") ", input)),
        ...(body ? [el("div", { textContent: "Body" }), body] : []),
        el("pre", { textContent: responses }), send, out));
  }
  function example(s, depth = 0) {
    s = resolve(s) || {};
    if (s.example !== undefined) return s.example;
    if (depth > 6) return null;
    if (s.enum) return s.enum[0];
    if (s.type === "object" || s.properties) return Object.fromEntries(Object.entries(s.properties || {}).map(([k, v]) => [k, example(v, depth + 1)]));
    if (s.type === "array") return [example(s.items, depth + 1)];
    if (s.anyOf || s.oneOf) return example((s.anyOf || s.oneOf)[0], depth + 1);
    return { string: "", integer: 1, number: 1, boolean: false }[s.type] ?? null;
  }
})();`;

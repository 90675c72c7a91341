import { expect } from "vitest";
import { operations, validators, type ContractOperation } from "virtual:openapi-contract";
import { call, type CallOptions } from "./helpers";

// The validators are ajv's, precompiled in Node by scripts/contract.ts from the document the worker
// serves: ajv compiles schemas with `new Function`, which workerd refuses, while its standalone
// output is plain code. This file checks the worker's real responses with them.

const routes = operations.map((op) => ({ op, pattern: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, "[^/]+")}$`) }));

/** The statuses validated per operationId, for the coverage check. */
export const validated = new Map<string, Set<string>>();

/** The documented operation a request reaches, by method and path. */
export function operationOf(method: string, path: string): ContractOperation | undefined {
  const pathname = new URL(path, "https://api.test").pathname;
  return routes.find((r) => r.op.method === method.toLowerCase() && r.pattern.test(pathname))?.op;
}

/**
 * Fails unless `res` is one of the responses the document gives the operation of `method path`:
 * its status, its content type, its body (closed schemas: nothing undocumented) and its required
 * headers. Answers the parsed body. A 405 is checked against the 405 documented on the path.
 */
export async function conforms(method: string, path: string, res: Response): Promise<any> {
  const pathname = new URL(path, "https://api.test").pathname;
  const op = res.status === 405 ? routes.find((r) => r.pattern.test(pathname))?.op : operationOf(method, path);
  if (!op) throw new Error(`${method} ${pathname} is not an operation of the document`);
  const label = `${op.operationId} (${method} ${pathname}) → ${res.status}`;
  const documented = op.responses[String(res.status)];
  expect(
    documented,
    `${label}: status not documented (documented: ${Object.keys(op.responses).join(", ")})`,
  ).toBeDefined();

  for (const header of documented!.headers) {
    const value = res.headers.get(header.name);
    if (header.required) expect(value, `${label}: header ${header.name} missing`).not.toBeNull();
    if (value !== null && header.pattern)
      expect(value, `${label}: header ${header.name}`).toMatch(new RegExp(header.pattern));
  }

  if (res.headers.get("content-type")?.startsWith("image/")) return conformsBinary(op, label, res, documented!);
  const text = await res.text();
  let body: unknown;
  if (documented!.content === null) {
    expect(text, `${label}: documented without a body`).toBe("");
  } else {
    const type = res.headers.get("content-type")?.split(";")[0]?.trim() ?? "(none)";
    const name = documented!.content[type];
    expect(
      name,
      `${label}: content type ${type} not documented (documented: ${Object.keys(documented!.content).join(", ")})`,
    ).toBeDefined();
    body = JSON.parse(text);
    const validate = validators[name!]!;
    if (!validate(body)) {
      const problems = (validate.errors ?? []).map(
        (e) => `${e.instancePath || "(body)"} ${e.message} ${JSON.stringify(e.params)}`,
      );
      throw new Error(
        `${label}: body does not match the document:\n  ${problems.join("\n  ")}\n${text.slice(0, 1000)}`,
      );
    }
    if (type === "application/problem+json") {
      expect(body, label).toMatchObject({ status: res.status, requestId: res.headers.get("x-request-id") });
    }
  }
  if (!validated.has(op.operationId)) validated.set(op.operationId, new Set());
  validated.get(op.operationId)!.add(String(res.status));
  return body;
}

/** `call()`, then `conforms()`: the status and parsed body of a response the document allows. */
export async function checked(
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await call(method, path, opts);
  const { status, headers } = res;
  return { status, headers, body: await conforms(method, path, res) };
}

/** An image answer (a photo): its status and content type documented; the bytes returned as they are. */
async function conformsBinary(
  op: ContractOperation,
  label: string,
  res: Response,
  documented: NonNullable<ContractOperation["responses"][string]>,
): Promise<Uint8Array> {
  const type = res.headers.get("content-type")!.split(";")[0]!.trim();
  expect(
    documented.content?.[type],
    `${label}: content type ${type} not documented (documented: ${Object.keys(documented.content ?? {}).join(", ")})`,
  ).toBeDefined();
  if (!validated.has(op.operationId)) validated.set(op.operationId, new Set());
  validated.get(op.operationId)!.add(String(res.status));
  return new Uint8Array(await res.arrayBuffer());
}

import { d1, d1Session, type D1Db } from "./data/d1";
import { timed } from "./trace";

/** What a use case needs: the bindings and this request's D1 client. */
export interface Deps {
  env: Env;
  db: D1Db;
  /** Work that outlives the response (an email): the request's waitUntil; absent, the caller awaits it. */
  waitUntil?: (work: Promise<unknown>) => void;
}

/**
 * A request's dependencies; with `session`, its D1 reads go through that Sessions API session. Its
 * Durable Object calls are timed for the request's metrics (docs/operations.md).
 */
export function makeDeps(env: Env, waitUntil?: (work: Promise<unknown>) => void, session?: D1DatabaseSession): Deps {
  return { env: timedObjects(env), db: session ? d1Session(session) : d1(env), ...(waitUntil && { waitUntil }) };
}

const OBJECTS = new Set<string | symbol>(["ROOM_CALENDAR", "ROOM_CHAT", "LANDLORD_DESK", "USER_INBOX"]);
const timedEnvs = new WeakMap<Env, Env>();
const timedNamespaces = new WeakMap<DurableObjectNamespace, DurableObjectNamespace>();

/** `env` whose Durable Object stubs count the time their RPC calls take as waiting on "do". */
function timedObjects(env: Env): Env {
  let wrapped = timedEnvs.get(env);
  if (!wrapped) {
    wrapped = new Proxy(env, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop);
        return OBJECTS.has(prop) ? timedNamespace(value as DurableObjectNamespace) : value;
      },
    });
    timedEnvs.set(env, wrapped);
  }
  return wrapped;
}

function timedNamespace<T extends DurableObjectNamespace>(ns: T): T {
  let wrapped = timedNamespaces.get(ns);
  if (!wrapped) {
    wrapped = proxyNamespace(ns);
    timedNamespaces.set(ns, wrapped);
  }
  return wrapped as T;
}

function proxyNamespace<T extends DurableObjectNamespace>(ns: T): T {
  return new Proxy(ns, {
    get: (target, prop) => {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (prop === "get" || prop === "getByName")
        return (...args: unknown[]) => timedStub(Reflect.apply(method, target, args) as DurableObjectStub);
      return method.bind(target);
    },
  });
}

function timedStub<T extends DurableObjectStub>(stub: T): T {
  return new Proxy(stub, {
    get: (target, prop) => {
      // A stub is not a promise: never answer `then`, or awaiting it would call the object.
      if (prop === "then") return undefined;
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      // Reflect.apply, not method.apply: an RPC method is itself a stub, whose `.apply` would be a call to the object.
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) => timed("do", () => Reflect.apply(method, target, args));
    },
  });
}

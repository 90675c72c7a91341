import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, eventually, json, landlordWithRoom, signUp, uniqueIp } from "./helpers";

/** A client socket: every frame it receives, and a way to wait for the next that matches. */
interface Client {
  ws: WebSocket;
  frames: any[];
  send(frame: unknown): void;
  next(match: (f: any) => boolean, ms?: number): Promise<any>;
}

async function ticketFor(token: string, roomId: string): Promise<{ ticket: string; url: string; expiresAt: string }> {
  const res = await call("POST", `/v1/rooms/${roomId}/chat/tickets`, { token });
  expect(res.status).toBe(201);
  return json(res);
}

async function upgrade(path: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://api.test${path}`, { headers: { upgrade: "websocket", "cf-connecting-ip": uniqueIp() } }),
  );
}

async function connect(token: string, roomId: string): Promise<Client> {
  const { url } = await ticketFor(token, roomId);
  const u = new URL(url);
  const res = await upgrade(u.pathname + u.search);
  expect(res.status).toBe(101);
  return accept(res.webSocket!);
}

function accept(ws: WebSocket): Client {
  const frames: any[] = [];
  const waiters: { match: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  ws.accept();
  ws.addEventListener("message", (e) => {
    const frame = JSON.parse(e.data as string);
    frames.push(frame);
    for (const w of waiters.splice(0)) {
      if (w.match(frame)) w.resolve(frame);
      else waiters.push(w);
    }
  });
  return {
    ws,
    frames,
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next: (match, ms = 5000) =>
      new Promise((resolve, reject) => {
        const seen = frames.find(match);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error("no matching frame in time")), ms);
        waiters.push({
          match,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
      }),
  };
}

/** A tenant's own thread, as the socket's hello frame names it. */
async function ownThread(c: Client): Promise<string> {
  return (await c.next((f) => f.type === "hello")).threads[0].id;
}

/** Sends a message and waits for its ack. */
async function say(c: Client, threadId: string, text: string, clientId = crypto.randomUUID()) {
  c.send({ type: "message", threadId, clientId, text });
  return c.next((f) => f.type === "ack" && f.clientId === clientId);
}

async function room() {
  const { landlord, room } = await landlordWithRoom();
  return { landlord, roomId: room.id as string };
}

describe("chat tickets", () => {
  it("open one socket once; a used, forged, expired or other-room ticket is refused with 401 before any upgrade", async () => {
    const { roomId } = await room();
    const other = await room();
    const tenant = await signUp("tenant");
    const t = await ticketFor(tenant.accessToken, roomId);
    expect(t.url).toMatch(/^wss:\/\/api\.test\/v1\/chat\?/);
    expect(new Date(t.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(60_000);

    // Plain HTTP is told to upgrade, and the ticket is not spent by it; a forged one is refused there too.
    const plain = await call("GET", `/v1/chat?ticket=${t.ticket}`);
    expect(plain.status).toBe(426);
    expect((await json(plain)).code).toBe("upgrade_required");
    expect((await call("GET", `/v1/chat?ticket=${"y".repeat(43)}`)).status).toBe(401);

    const first = await upgrade(`/v1/chat?ticket=${t.ticket}`);
    expect(first.status).toBe(101);
    accept(first.webSocket!).ws.close();
    const reused = await upgrade(`/v1/chat?ticket=${t.ticket}`);
    expect(reused.status).toBe(401);
    expect((await json(reused)).code).toBe("unauthorized");

    expect((await upgrade(`/v1/chat?ticket=${"x".repeat(43)}`)).status).toBe(401);

    const forRoom = await ticketFor(tenant.accessToken, roomId);
    expect((await upgrade(`/v1/chat?ticket=${forRoom.ticket}&roomId=${other.roomId}`)).status).toBe(401);

    const stale = await ticketFor(tenant.accessToken, roomId);
    await env.DB.prepare("UPDATE socket_tickets SET expires_at = ? WHERE used_at IS NULL AND user_id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), tenant.id)
      .run();
    expect((await upgrade(`/v1/chat?ticket=${stale.ticket}`)).status).toBe(401);

    // An inbox ticket does not open a chat socket.
    const inbox = await json(await call("POST", "/v1/notifications/tickets", { token: tenant.accessToken }));
    expect((await upgrade(`/v1/chat?ticket=${inbox.ticket}`)).status).toBe(401);
  });

  it("spends a ticket once under simultaneous upgrades", async () => {
    const { roomId } = await room();
    const tenant = await signUp("tenant");
    const t = await ticketFor(tenant.accessToken, roomId);
    const results = await Promise.all(Array.from({ length: 10 }, () => upgrade(`/v1/chat?ticket=${t.ticket}`)));
    expect(results.map((r) => r.status).sort()).toEqual([101, ...Array(9).fill(401)]);
    for (const r of results) r.webSocket?.accept();
  });

  it("are for tenants and the room's own landlord; another landlord's or an unknown room answers 404", async () => {
    const { landlord, roomId } = await room();
    const stranger = await signUp("landlord");
    expect((await call("POST", `/v1/rooms/${roomId}/chat/tickets`, { token: stranger.accessToken })).status).toBe(404);
    expect(
      (await call("POST", `/v1/rooms/room_0000000000000000z/chat/tickets`, { token: landlord.accessToken })).status,
    ).toBe(404);
    expect((await call("POST", `/v1/rooms/${roomId}/chat/tickets`)).status).toBe(401);
    expect((await call("POST", `/v1/rooms/${roomId}/chat/tickets`, { token: landlord.accessToken })).status).toBe(201);
  });
});

describe("chat", () => {
  it("keeps each tenant's thread private: the landlord gets every thread, a tenant never another tenant's frame", async () => {
    const { landlord, roomId } = await room();
    const [ana, ben] = [await signUp("tenant"), await signUp("tenant")];
    const host = await connect(landlord.accessToken, roomId);
    const a = await connect(ana.accessToken, roomId);
    const b = await connect(ben.accessToken, roomId);
    const aThread = await ownThread(a);
    const bThread = await ownThread(b);
    expect(aThread).not.toBe(bThread);

    const ack = await say(a, aThread, "Is the room still free in March?");
    const got = await host.next((f) => f.type === "message" && f.id === ack.id);
    expect(got).toMatchObject({ threadId: aThread, from: ana.id, text: "Is the room still free in March?" });

    // Ben cannot write into Ana's thread, and hears nothing of it.
    b.send({ type: "message", threadId: aThread, clientId: "c1", text: "let me in" });
    expect((await b.next((f) => f.type === "error")).code).toBe("thread_not_found");
    await say(host, aThread, "Yes, it is.");
    await say(b, bThread, "Hello?");
    await a.next((f) => f.type === "message" && f.text === "Yes, it is.");
    expect(b.frames.filter((f) => f.type === "message")).toEqual([]);
    expect(a.frames.some((f) => f.type === "message" && f.text === "Hello?")).toBe(false);

    // Over HTTP too: the landlord lists both threads, a tenant only theirs, and another's messages are 404.
    const threads = await json(await call("GET", `/v1/rooms/${roomId}/threads`, { token: landlord.accessToken }));
    expect(threads.items.map((t: any) => t.id).sort()).toEqual([aThread, bThread].sort());
    const own = await json(await call("GET", `/v1/rooms/${roomId}/threads`, { token: ben.accessToken }));
    expect(own.items.map((t: any) => t.id)).toEqual([bThread]);
    const peek = await call("GET", `/v1/rooms/${roomId}/threads/${aThread}/messages`, { token: ben.accessToken });
    expect(peek.status).toBe(404);
  });

  it("stores a resent frame once and acknowledges it with the same id", async () => {
    const { roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const thread = await ownThread(c);
    const first = await say(c, thread, "hello", "same-client-id");
    c.frames.length = 0;
    const again = await say(c, thread, "hello", "same-client-id");
    expect(again.id).toBe(first.id);
    const page = await json(
      await call("GET", `/v1/rooms/${roomId}/threads/${thread}/messages`, { token: tenant.accessToken }),
    );
    expect(page.items).toHaveLength(1);
  });

  it("pages history newest first with a cursor, and counts unread until a read receipt", async () => {
    const { landlord, roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const thread = await ownThread(c);
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push((await say(c, thread, `message ${i}`)).id);

    const path = `/v1/rooms/${roomId}/threads/${thread}/messages`;
    const p1 = await json(await call("GET", `${path}?limit=2`, { token: landlord.accessToken }));
    expect(p1.items.map((m: any) => m.text)).toEqual(["message 5", "message 4"]);
    const p2 = await json(
      await call("GET", `${path}?limit=2&before=${p1.nextCursor}`, { token: landlord.accessToken }),
    );
    expect(p2.items.map((m: any) => m.text)).toEqual(["message 3", "message 2"]);
    const p3 = await json(
      await call("GET", `${path}?limit=2&before=${p2.nextCursor}`, { token: landlord.accessToken }),
    );
    expect(p3.items.map((m: any) => m.text)).toEqual(["message 1"]);
    expect(p3.nextCursor).toBeNull();
    expect((await call("GET", `${path}?before=nonsense`, { token: landlord.accessToken })).status).toBe(422);

    const unread = async () =>
      (await json(await call("GET", `/v1/rooms/${roomId}/threads`, { token: landlord.accessToken }))).items[0].unread;
    expect(await unread()).toBe(5);
    const host = await connect(landlord.accessToken, roomId);
    host.send({ type: "read", threadId: thread, upTo: ids[2] });
    const receipt = await c.next((f) => f.type === "read");
    expect(receipt).toMatchObject({ threadId: thread, by: landlord.id, upTo: ids[2] });
    expect(await unread()).toBe(2);
  });

  it("relays typing to the other party and answers a bad frame with an error, keeping the socket open", async () => {
    const { landlord, roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const host = await connect(landlord.accessToken, roomId);
    const thread = await ownThread(c);
    c.send({ type: "typing", threadId: thread });
    expect(await host.next((f) => f.type === "typing")).toMatchObject({ threadId: thread, by: tenant.id });

    c.send("{not json");
    expect((await c.next((f) => f.type === "error")).code).toBe("bad_frame");
    c.frames.length = 0;
    c.send({ type: "message", threadId: thread, clientId: "x", text: "a".repeat(4001) });
    expect((await c.next((f) => f.type === "error")).code).toBe("bad_frame");
    expect((await say(c, thread, "still here")).id).toMatch(/^msg_/);
  });

  it("cuts a flood with CHAT_LIMITER, malformed frames counted too: frames past the limit are refused and not stored", async () => {
    const { roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const thread = await ownThread(c);
    // The limiter counts in fixed 10 s windows: start the flood at the beginning of one, so it fits in it.
    const WINDOW = 10_000;
    await new Promise((r) => setTimeout(r, WINDOW - (Date.now() % WINDOW) + 50));
    const started = Date.now();
    // One frame in four is garbage: it is answered bad_frame, and it counts against the limit as a message does.
    for (let i = 0; i < 80; i++)
      if (i % 4 === 3) c.send("{not json");
      else c.send({ type: "message", threadId: thread, clientId: `flood-${i}`, text: `flood ${i}` });
    await eventually(async () =>
      c.frames.filter((f) => f.type === "ack" || f.type === "error").length === 80 ? true : undefined,
    );
    // 60 a window: a flood that a slow machine stretched over the next window may have 60 more
    const windows = Math.floor(Date.now() / WINDOW) - Math.floor(started / WINDOW) + 1;
    const acked = c.frames.filter((f) => f.type === "ack").length;
    const malformed = c.frames.filter((f) => f.code === "bad_frame").length;
    expect(acked + malformed).toBeLessThanOrEqual(60 * windows);
    if (windows === 1) expect(acked + malformed).toBe(60);
    expect(malformed).toBeGreaterThan(0);
    expect(c.frames.filter((f) => f.code === "rate_limited")).toHaveLength(80 - acked - malformed);
    const stored = await json(
      await call("GET", `/v1/rooms/${roomId}/threads/${thread}/messages?limit=100`, { token: tenant.accessToken }),
    );
    expect(stored.items).toHaveLength(acked);
  });

  it("survives the object's eviction: the sockets stay open and the history is kept", async () => {
    const { landlord, roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const host = await connect(landlord.accessToken, roomId);
    const thread = await ownThread(c);
    await say(c, thread, "before the eviction");
    await evictDurableObject(env.ROOM_CHAT.get(env.ROOM_CHAT.idFromName(roomId)));
    const ack = await say(c, thread, "after the eviction");
    expect((await host.next((f) => f.type === "message" && f.id === ack.id)).text).toBe("after the eviction");
    const page = await json(
      await call("GET", `/v1/rooms/${roomId}/threads/${thread}/messages`, { token: tenant.accessToken }),
    );
    expect(page.items.map((m: any) => m.text)).toEqual(["after the eviction", "before the eviction"]);
  });

  it("reaches the sender's other devices, and counts a tenant's unread in their own thread", async () => {
    const { landlord, roomId } = await room();
    const tenant = await signUp("tenant");
    const phone = await connect(tenant.accessToken, roomId);
    const laptop = await connect(tenant.accessToken, roomId);
    const thread = await ownThread(phone);
    const ack = await say(phone, thread, "sent from the phone");
    expect(await laptop.next((f) => f.type === "message" && f.id === ack.id)).toMatchObject({
      from: tenant.id,
      text: "sent from the phone",
    });
    expect(phone.frames.some((f) => f.type === "message" && f.id === ack.id)).toBe(false);
    const host = await connect(landlord.accessToken, roomId);
    for (const text of ["one", "two", "three"]) await say(host, thread, text);
    const mine = await json(await call("GET", `/v1/rooms/${roomId}/threads`, { token: tenant.accessToken }));
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]).toMatchObject({ id: thread, unread: 3 });
  });

  it("tells an absent recipient again once ten minutes have passed since the last notice", async () => {
    const { landlord, roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const thread = await ownThread(c);
    const notices = async () =>
      (await json(await call("GET", "/v1/notifications", { token: landlord.accessToken }))).items.length;
    await say(c, thread, "first");
    await eventually(async () => ((await notices()) === 1 ? true : undefined));
    // Eleven minutes on, as far as the room's object knows.
    await runInDurableObject(env.ROOM_CHAT.get(env.ROOM_CHAT.idFromName(roomId)), async (_o, state) => {
      state.storage.sql.exec("UPDATE threads SET landlord_noticed_at = landlord_noticed_at - ?", 11 * 60_000);
    });
    await say(c, thread, "second");
    await eventually(async () => ((await notices()) === 2 ? true : undefined));
  });

  it("notifies a recipient with no open socket, once per thread in ten minutes", async () => {
    const { landlord, roomId } = await room();
    const tenant = await signUp("tenant");
    const c = await connect(tenant.accessToken, roomId);
    const thread = await ownThread(c);
    await say(c, thread, "Can I visit on Friday?");
    await say(c, thread, "Or Saturday?");
    const items = await eventually(async () => {
      const page = await json(await call("GET", "/v1/notifications", { token: landlord.accessToken }));
      return page.items.length > 0 ? page.items : undefined;
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: "chat.message",
      title: "New message from Test tenant",
      body: "Can I visit on Friday?",
      data: { roomId, threadId: thread },
    });
    // The tenant, online, was not notified of the landlord's reply.
    const host = await connect(landlord.accessToken, roomId);
    await say(host, thread, "Friday works.");
    await c.next((f) => f.type === "message" && f.text === "Friday works.");
    const tenantNotices = await json(await call("GET", "/v1/notifications", { token: tenant.accessToken }));
    expect(tenantNotices.items).toEqual([]);
  });
});

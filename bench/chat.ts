/**
 * Chat benchmark: Roomline's room chat (tickets, RoomChat Durable Objects with hibernating
 * sockets, every message stored in SQLite) beside a plain Node `ws` server routing the same frames
 * in memory (bench/chat-peer.ts), in the same run, driven by the same clients from this process.
 *
 * Two layouts: "spread", 100 sockets over 20 rooms (per room the landlord and two tenants, each
 * tenant on two devices), and "hot", 500 sockets in one room (the landlord on two devices and 249
 * tenants on two). Tenants send; each message's recipients are the other open sockets of its
 * thread's two parties (the tenant's other device and the landlord's sockets), never another
 * tenant. Each sender waits for its ack and sends at most `senderRate` messages a second, under
 * CHAT_LIMITER's 60 frames per 10 s per user, at its own phase (senders staggered evenly over the
 * interval, as independent people are); "spread-aligned" repeats the spread layout with every
 * sender sending at the same instant, a burst per tick, as the worst case. Latency is send → arrival at the last recipient;
 * a recipient that never gets a message counts as lost, a second arrival as duplicated.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import type { Platform } from "./platform";
import { freePort } from "../scripts/ports";
import { cpuMeter, settle, type CpuUsage } from "./cpu";
import { sleep, until } from "./processes";
import { percentile, round, table } from "./stats";
import { mintTenants, tokenSettingsFromWranglerToml, type Tenant } from "./tokens";

export interface ChatOptions {
  /** Messages per layout and system. */
  messages: number;
  /** Messages a second one sender sends at most. */
  senderRate: number;
  /** Layouts to run, by name (all when empty). */
  layouts: string[];
}

interface Layout {
  name: "spread" | "spread-aligned" | "hot";
  rooms: number;
  tenantsPerRoom: number;
  landlordSockets: number;
  /**
   * When senders send. `staggered`: each sender ticks at its own phase, spread evenly over the
   * send interval, as independent people typing do. `aligned`: every sender sends at the same
   * instant each tick (a burst of one frame per sender), the worst case.
   */
  arrival: "staggered" | "aligned";
}
const LAYOUTS: Layout[] = [
  { name: "spread", rooms: 20, tenantsPerRoom: 2, landlordSockets: 1, arrival: "staggered" },
  { name: "spread-aligned", rooms: 20, tenantsPerRoom: 2, landlordSockets: 1, arrival: "aligned" },
  { name: "hot", rooms: 1, tenantsPerRoom: 249, landlordSockets: 2, arrival: "staggered" },
];
const DEVICES_PER_TENANT = 2;
/** How long the last message may take to reach everyone before the rest counts as lost. */
const DRAIN_MS = 10_000;

export interface ChatRow {
  system: "roomline" | "node-ws";
  layout: Layout["name"];
  sockets: number;
  messages: number;
  messagesPerSecond: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  deliveryMaxMs: number;
  ackP50Ms: number;
  lost: number;
  duplicated: number;
  errors: Record<string, number>;
  /**
   * CPU over the timed run (first send to last arrival), in % of one core: the load generator (this
   * process, both systems' clients), the system's own process (workerd; the peer's Node process),
   * and every bench child by kind. On 2 cores, a load generator near 100% would be the bottleneck.
   */
  cpu: { benchPct: number; appPct: number | null; byProcessPct: Record<string, number> | null };
}

type Connect = (room: string, user: string, role: "tenant" | "landlord", token: string) => Promise<WebSocket>;

interface Client {
  ws: WebSocket;
  user: string;
  room: string;
  thread: string | null;
  /** The clientId this socket waits an ack for (an `error` frame names none, so it answers this one). */
  inFlight: string | null;
}

export async function runChatBench(p: Platform, o: ChatOptions, say: (line: string) => void): Promise<ChatRow[]> {
  const landlord = await registerLandlord(p);
  const rooms = await makeRooms(p, landlord.token, Math.max(...LAYOUTS.map((l) => l.rooms)) + 1);
  const tenants = await mintTenants(
    p.secrets.JWT_PRIVATE_KEYS!,
    tokenSettingsFromWranglerToml(),
    Math.max(...LAYOUTS.map((l) => l.rooms * l.tenantsPerRoom)),
  );
  const peer = await startPeer();
  const systems: [ChatRow["system"], Connect][] = [
    ["roomline", roomlineConnect(p)],
    ["node-ws", peerConnect(peer.port)],
  ];
  const rows: ChatRow[] = [];
  try {
    for (const layout of LAYOUTS.filter((l) => o.layouts.length === 0 || o.layouts.includes(l.name))) {
      // The hot room is its own room, so its history does not start where the spread run left it.
      const layoutRooms = layout.name === "hot" ? rooms.slice(-1) : rooms.slice(0, layout.rooms);
      for (const [system, connect] of systems) {
        const row = await runLayout(system, layout, layoutRooms, landlord, tenants, connect, o);
        say(
          `  ${system} ${layout.name}: ${row.messagesPerSecond} msg/s, p50 ${row.deliveryP50Ms} ms, p99 ${row.deliveryP99Ms} ms, lost ${row.lost}, duplicated ${row.duplicated}`,
        );
        rows.push(row);
      }
    }
  } finally {
    peer.child.kill("SIGTERM");
  }
  return rows;
}

async function runLayout(
  system: ChatRow["system"],
  layout: Layout,
  rooms: string[],
  landlord: Tenant,
  tenants: Tenant[],
  connect: Connect,
  o: ChatOptions,
): Promise<ChatRow> {
  const clients: Client[] = [];
  const sent = new Map<string, { at: number; expected: Set<Client> }>();
  const arrivals = new Map<string, Map<Client, number>>();
  const acks: number[] = [];
  const ackWaiters = new Map<string, () => void>();
  const errors: Record<string, number> = {};
  let duplicated = 0;
  let lastArrival = 0;

  const listen = (c: Client) =>
    c.ws.addEventListener("message", (e) => {
      const now = performance.now();
      const f = JSON.parse(String(e.data));
      if (f.type === "hello") c.thread = f.threads[0]?.id ?? null;
      else if (f.type === "message") {
        const seen = arrivals.get(f.text) ?? new Map<Client, number>();
        if (seen.has(c)) duplicated++;
        else seen.set(c, now);
        arrivals.set(f.text, seen);
        lastArrival = Math.max(lastArrival, now);
      } else if (f.type === "ack") {
        const s = sent.get(f.clientId);
        if (s) acks.push(now - s.at);
        ackWaiters.get(f.clientId)?.();
      } else if (f.type === "error") {
        errors[f.code] = (errors[f.code] ?? 0) + 1;
        if (c.inFlight) ackWaiters.get(c.inFlight)?.();
      }
    });
  const open = async (room: string, who: Tenant, role: "tenant" | "landlord") => {
    const c: Client = {
      ws: await connect(room, who.id, role, who.token),
      user: who.id,
      room,
      thread: null,
      inFlight: null,
    };
    listen(c);
    clients.push(c);
    return c;
  };

  // Sockets: the landlord's, then each tenant's devices, room by room, a few at a time.
  const senders: Client[] = [];
  for (const [r, room] of rooms.entries()) {
    for (let i = 0; i < layout.landlordSockets; i++) await open(room, landlord, "landlord");
    const roomTenants = tenants.slice(r * layout.tenantsPerRoom, (r + 1) * layout.tenantsPerRoom);
    for (let i = 0; i < roomTenants.length; i += 10) {
      const batch = roomTenants.slice(i, i + 10);
      const devices = await Promise.all(
        batch.flatMap((t) => Array.from({ length: DEVICES_PER_TENANT }, () => open(room, t, "tenant"))),
      );
      senders.push(...devices.filter((_, k) => k % DEVICES_PER_TENANT === 0));
    }
  }
  await until(() => clients.every((c) => c.user === landlord.id || c.thread !== null), 30_000);

  const perSender = Math.ceil(o.messages / senders.length);
  const interval = 1000 / o.senderRate;
  await settle();
  const meter = cpuMeter();
  const started = performance.now();
  let remaining = o.messages;
  await Promise.all(
    senders.map(async (s, k) => {
      const recipients = clients.filter(
        (c) => c !== s && c.room === s.room && (c.user === s.user || c.user === landlord.id),
      );
      if (layout.arrival === "staggered") await sleep((k / senders.length) * interval);
      for (let i = 0; i < perSender && remaining > 0; i++) {
        remaining--;
        const clientId = `${system}-${layout.name}-${k}-${i}`;
        const next = performance.now() + interval;
        const acked = new Promise<void>((done) => ackWaiters.set(clientId, done));
        sent.set(clientId, { at: performance.now(), expected: new Set(recipients) });
        s.inFlight = clientId;
        s.ws.send(JSON.stringify({ type: "message", threadId: s.thread, clientId, text: clientId }));
        await Promise.race([acked, sleep(DRAIN_MS)]);
        ackWaiters.delete(clientId);
        s.inFlight = null;
        await sleep(Math.max(0, next - performance.now()));
      }
    }),
  );
  const complete = () => [...sent].every(([id, s]) => (arrivals.get(id)?.size ?? 0) >= s.expected.size);
  await until(complete, DRAIN_MS);
  const usage = meter();

  const latencies: number[] = [];
  let lost = 0;
  for (const [id, s] of sent) {
    const got = arrivals.get(id) ?? new Map<Client, number>();
    const missing = [...s.expected].filter((c) => !got.has(c)).length;
    lost += missing;
    if (missing === 0 && s.expected.size > 0) latencies.push(Math.max(...got.values()) - s.at);
  }
  for (const c of clients) c.ws.close();
  return {
    system,
    layout: layout.name,
    sockets: clients.length,
    messages: sent.size,
    messagesPerSecond: round(sent.size / ((lastArrival - started) / 1000), 0),
    deliveryP50Ms: round(percentile(latencies, 50)),
    deliveryP99Ms: round(percentile(latencies, 99)),
    deliveryMaxMs: round(percentile(latencies, 100)),
    ackP50Ms: round(percentile(acks, 50)),
    lost,
    duplicated,
    errors,
    cpu: cpuPercent(usage, system === "roomline" ? "workerd" : CHAT_PEER_KIND),
  };
}

/** CPU kind of the peer's process (bench/cpu.ts `kindOf`). */
const CHAT_PEER_KIND = "chat peer (node)";

function cpuPercent(u: CpuUsage, app: string): ChatRow["cpu"] {
  const pct = (ms: number) => round((100 * ms) / u.wallMs, 0);
  const byProcess = u.serverCpuByProcess;
  return {
    benchPct: pct(u.clientCpuMs),
    appPct: byProcess ? pct(byProcess[app] ?? 0) : null,
    byProcessPct: byProcess
      ? Object.fromEntries(
          Object.entries(byProcess)
            .map(([kind, ms]) => [kind, pct(ms)])
            .filter(([, v]) => v !== 0),
        )
      : null,
  };
}

function roomlineConnect(p: Platform): Connect {
  return async (room, _user, _role, token) => {
    const res = await fetch(`${p.api}/v1/rooms/${room}/chat/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 201) throw new Error(`chat ticket: ${res.status} ${await res.text()}`);
    const { url } = (await res.json()) as { url: string };
    return opened(new WebSocket(url));
  };
}

function peerConnect(port: number): Connect {
  return async (room, user, role) =>
    opened(new WebSocket(`ws://127.0.0.1:${port}/?room=${room}&user=${user}&role=${role}`));
}

function opened(ws: WebSocket): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    ws.addEventListener("open", () => ok(ws), { once: true });
    ws.addEventListener("error", () => fail(new Error("socket failed to open")), { once: true });
  });
}

async function startPeer(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", resolve("bench/chat-peer.ts")], {
    env: { ...process.env, CHAT_PEER_PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let up = false;
  child.stdout!.on("data", (d: Buffer) => (up ||= d.toString().includes("listening on")));
  await until(() => up || child.exitCode !== null, 30_000);
  if (!up) throw new Error("the ws peer did not start");
  return { port, child };
}

/** One real landlord (rooms are checked against their owner), signed up through the API. */
async function registerLandlord(p: Platform): Promise<Tenant> {
  const res = await fetch(`${p.api}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `chat-bench-${Date.now()}@bench.roomline.dev`,
      password: "chat bench landlord password",
      name: "Chat Bench Landlord",
      role: "landlord",
    }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string }; accessToken: string };
  return { id: body.user.id, token: body.accessToken };
}

/** `n` listed rooms of the landlord, one property each. */
async function makeRooms(p: Platform, token: string, n: number): Promise<string[]> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${p.api}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const rooms: string[] = [];
  for (let i = 0; i < n; i++) {
    const property = await post("/v1/properties", {
      title: `Chat bench flat ${i + 1}`,
      description: "A room to talk about.",
      type: "apartment",
      address: { line1: `Rua Augusta ${i + 1}`, city: "Lisbon", postalCode: "1100-053", country: "PT" },
      location: { lat: 38.7108, lng: -9.1369 },
      amenities: ["wifi"],
      timezone: "Europe/Lisbon",
    });
    const room = await post(`/v1/properties/${property.id}/rooms`, {
      name: "Room",
      capacity: 1,
      rentalMode: "monthly",
      price: { amount: 80000, currency: "EUR" },
      deposit: { amount: 80000, currency: "EUR" },
    });
    rooms.push(room.id);
  }
  return rooms;
}

export function chatTables(rows: ChatRow[]): string {
  return LAYOUTS.filter((l) => rows.some((r) => r.layout === l.name))
    .map((l) => {
      const body = rows
        .filter((r) => r.layout === l.name)
        .map((r) => [
          r.system,
          r.sockets,
          r.messages,
          r.messagesPerSecond,
          r.deliveryP50Ms,
          r.deliveryP99Ms,
          r.deliveryMaxMs,
          r.ackP50Ms,
          r.lost,
          r.duplicated,
          r.cpu.benchPct,
          r.cpu.appPct,
          Object.entries(r.errors)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ") || "none",
        ]);
      return `\n  ${l.name}: ${l.rooms} room(s), ${l.arrival} senders\n${table(
        [
          "system",
          "sockets",
          "messages",
          "msg/s",
          "p50 ms",
          "p99 ms",
          "max ms",
          "ack p50 ms",
          "lost",
          "duplicated",
          "bench CPU %",
          "app CPU %",
          "errors",
        ],
        body,
      )}`;
    })
    .join("\n");
}

import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const desk = () => env.LANDLORD_DESK.getByName(`usr_l${crypto.randomUUID()}`);
const later = () => Date.now() + 60_000;

describe("LandlordDesk", () => {
  it("has no cap until one is set", async () => {
    const stub = desk();
    expect(await stub.status()).toEqual({ activeContracts: 0, reserved: 0, totalCapacity: null, available: true });
    expect(await stub.reserve("b1", later())).toEqual({ ok: true });
  });

  it("never lets concurrent reservations pass totalCapacity", async () => {
    const stub = desk();
    await stub.setCapacity(3);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stub.reserve(`b${i}`, later())));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(await stub.status()).toEqual({ activeContracts: 0, reserved: 3, totalCapacity: 3, available: false });
  });

  it("activates, releases idempotently, and frees the slot", async () => {
    const stub = desk();
    await stub.setCapacity(1);
    await stub.reserve("a", later());
    await stub.activate("a");
    expect(await stub.reserve("b", later())).toEqual({ ok: false, code: "landlord_at_capacity" });
    expect((await stub.status()).activeContracts).toBe(1);
    await stub.release("a");
    await stub.release("a");
    expect(await stub.status()).toMatchObject({ activeContracts: 0, reserved: 0, available: true });
    expect(await stub.reserve("c", later())).toEqual({ ok: true });
    expect(await stub.reserve("c", later())).toEqual({ ok: true });
    expect((await stub.status()).reserved).toBe(1);
  });

  it("keeps a released booking released: a late activation or a retried reservation cannot bring it back", async () => {
    const stub = desk();
    await stub.setCapacity(1);
    await stub.reserve("a", later());
    await stub.release("a"); // a cancellation wins the race with the payment
    expect(await stub.activate("a")).toEqual({ ok: false });
    expect(await stub.reserve("a", later())).toEqual({ ok: false, code: "booking_ended" });
    expect(await stub.status()).toMatchObject({ activeContracts: 0, reserved: 0, available: true });
  });

  it("ends an active contract when its stay ends, and keeps its state across an eviction", async () => {
    const stub = desk();
    await stub.setCapacity(1);
    await stub.reserve("stay", later());
    await stub.activate("stay", Date.now() + 50);
    await evictDurableObject(stub);
    expect(await stub.status()).toMatchObject({ activeContracts: 1, available: false });
    await new Promise((r) => setTimeout(r, 60));
    await runDurableObjectAlarm(stub); // may already have fired on its own
    expect(await stub.hasContract("stay")).toBeNull();
    expect(await stub.status()).toMatchObject({ activeContracts: 0, available: true });
  });

  it("drops a reservation left behind by a saga that died, when it lapses", async () => {
    const stub = desk();
    await stub.setCapacity(1);
    await stub.reserve("orphan", Date.now() + 1);
    expect(await stub.hasContract("orphan")).toBe("reserved");
    await new Promise((r) => setTimeout(r, 5));
    await runDurableObjectAlarm(stub); // may already have fired on its own
    expect(await stub.hasContract("orphan")).toBeNull();
    expect(await stub.reserve("next", later())).toEqual({ ok: true });
  });
});

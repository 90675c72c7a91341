import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sessionStart } from "../../workers/http/request-context";
import { call, json, signUp, validProperty } from "./helpers";

describe("D1 read replication (Sessions API)", () => {
  it("answers a write with its bookmark; a read that sends it back starts after it and sees the write", async () => {
    const landlord = await signUp("landlord");
    const sessions = vi.spyOn(env.DB, "withSession");
    const created = await call("POST", "/v1/properties", { token: landlord.accessToken, body: validProperty() });
    expect(created.status).toBe(201);
    expect(sessions).toHaveBeenLastCalledWith("first-primary");
    const bookmark = created.headers.get("x-d1-bookmark");
    expect(bookmark).toMatch(/^[0-9a-f-]+$/i);
    const { id } = await json(created);

    const read = await call("GET", `/v1/properties/${id}`, { headers: { "x-d1-bookmark": bookmark! } });
    expect(sessions).toHaveBeenLastCalledWith(bookmark);
    expect(read.status).toBe(200);
    expect((await json(read)).id).toBe(id);
    // the session moves on from there, never back
    expect(read.headers.get("x-d1-bookmark")! >= bookmark!).toBe(true);
  });

  it("reads from the nearest replica without a bookmark, and ignores one that is not a bookmark", async () => {
    const sessions = vi.spyOn(env.DB, "withSession");
    expect((await call("GET", "/v1/search?q=lisbon")).status).toBe(200);
    expect(sessions).toHaveBeenLastCalledWith("first-unconstrained");
    const odd = await call("GET", "/v1/search?q=lisbon", { headers: { "x-d1-bookmark": "first-primary'; drop" } });
    expect(odd.status).toBe(200);
    expect(sessions).toHaveBeenLastCalledWith("first-unconstrained");
  });

  it("starts every write at the primary, whatever bookmark comes with it", () => {
    expect(sessionStart("POST", "00000001-00000002-00004f5d-0123456789abcdef0123456789abcdef")).toBe("first-primary");
    expect(sessionStart("DELETE", undefined)).toBe("first-primary");
    const bookmark = "00000001-00000002-00004f5d-0123456789abcdef0123456789abcdef";
    expect(sessionStart("GET", bookmark)).toBe(bookmark);
    expect(sessionStart("GET", "00000001-00000002")).toBe("first-unconstrained");
    expect(sessionStart("GET", undefined)).toBe("first-unconstrained");
  });
});

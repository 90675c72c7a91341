import { exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { describe, expect, it } from "vitest";
import type { AppType } from "../../workers/app";
import { signUp, uniqueIp, validProperty } from "./helpers";

/** A client typed by the app itself: a route whose shape changes breaks this file at compile time. */
const client = hc<AppType>("https://api.test", {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    request.headers.set("cf-connecting-ip", uniqueIp());
    return exports.default.fetch(request);
  },
});

describe("typed client (hc<AppType>)", () => {
  it("reads the caller and creates a property through the app's own types", async () => {
    const landlord = await signUp("landlord");
    const headers = { authorization: `Bearer ${landlord.accessToken}` };

    const me = await client.v1.me.$get({}, { headers });
    expect(me.status).toBe(200);
    if (me.status !== 200) return;
    const user = await me.json();
    expect(user.id).toBe(landlord.id);
    expect(user.role).toBe("landlord");

    const created = await client.v1.properties.$post({ json: { ...validProperty(), type: "apartment" } }, { headers });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    const property = await created.json();
    expect(property.ownerId).toBe(landlord.id);
    expect(property.title).toBe(validProperty().title);
  });
});

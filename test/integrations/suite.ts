/**
 * The behaviour every platform's receiver must have, as one parameterised suite: each platform's test file gives
 * its real-shaped payloads and how it signs them.
 */
import { describe, expect, it } from "vitest";
import type { Api, TestServer } from "../helpers/server.ts";
import { connect, deliveries, memberByPhone, postHook } from "./helpers.ts";

export type SignMode = "correct" | "wrong" | "missing";

export interface Delivery {
  body: string;
  headers?: Record<string, string>;
}

export interface PlatformKit {
  platform: string;
  connectExtra?: Record<string, unknown>;
  /** Headers (signature included) and possibly a body change for each signing mode. */
  sign(d: Delivery, mode: SignMode): { body: string; headers: Record<string, string> };
  create: Delivery;
  externalId: string;
  points: number;
  /** The customer's phone in E.164 (the order's customer is unknown to the merchant). */
  phone: string;
  channel: "online" | "pos";
  /** A later event for the same order (paid, updated). */
  later: Delivery;
  cancel: Delivery;
  partialRefund?: Delivery;
  /** The create payload without phone and email. */
  guest: Delivery;
  /** When the guest payload is another order (KiotViet: another invoice in the fake API). */
  guestExternalId?: string;
  /** A validly signed payload the mapping cannot use. */
  unusable: Delivery;
  /** The create payload carrying an email `address` (as the platform sends it): with the phone, and without it. */
  email?: { address: string; both: Delivery; only: Delivery };
}

export function platformSuite(kit: PlatformKit, server: () => TestServer) {
  const send = (path: string, d: Delivery, mode: SignMode = "correct") => {
    const s = kit.sign(d, mode);
    return postHook(server().url, path, s.body, s.headers);
  };
  const setup = async () => {
    const m = await server().merchant();
    const c = await connect(m.api, kit.platform, kit.connectExtra);
    return { ...m, ...c };
  };
  const order = (api: Api) => api("GET", `/v1/orders/${encodeURIComponent(kit.externalId)}`);

  describe(`${kit.platform} receiver`, () => {
    it("order created → points to the customer, enrolled by phone", async () => {
      const { api, path, id } = await setup();
      const r = await send(path, kit.create);
      expect(r.status).toBe(200);
      expect(r.body.outcome).toBe("applied");
      const member = await memberByPhone(api, kit.phone);
      expect(member?.points.total).toBe(kit.points);
      const o = await order(api);
      expect(o.body).toMatchObject({ externalId: kit.externalId, channel: kit.channel, memberId: member?.id });
      expect(o.body.points.earned).toBe(kit.points);
      const [d] = await deliveries(api, id);
      expect(d).toMatchObject({ outcome: "applied", externalId: kit.externalId });
    });

    it("a wrong or missing signature → 401 and nothing written", async () => {
      const { api, path, id } = await setup();
      const wrong = await send(path, kit.create, "wrong");
      expect(wrong.status).toBe(401);
      // problem+json like the rest of the API.
      expect(wrong.headers.get("content-type")).toContain("application/problem+json");
      expect(wrong.body).toMatchObject({ status: 401, type: expect.stringContaining("signature-invalid") });
      expect((await send(path, kit.create, "missing")).status).toBe(401);
      expect((await order(api)).status).toBe(404);
      expect(await memberByPhone(api, kit.phone)).toBeUndefined();
      expect((await deliveries(api, id)).map((d) => d.outcome)).toEqual(["rejected-signature", "rejected-signature"]);
    });

    it("a replayed delivery and a later event for the same order earn nothing twice", async () => {
      const { api, path, id } = await setup();
      await send(path, kit.create);
      const again = await send(path, kit.create);
      expect(again).toMatchObject({ status: 200, body: { outcome: "duplicate" } });
      const later = await send(path, kit.later);
      expect(later).toMatchObject({ status: 200, body: { outcome: "duplicate" } });
      expect((await memberByPhone(api, kit.phone))?.points.total).toBe(kit.points);
      expect((await deliveries(api, id)).map((d) => d.outcome)).toEqual(["duplicate", "duplicate", "applied"]);
    });

    it("cancelled → the points are reversed (once)", async () => {
      const { api, path } = await setup();
      await send(path, kit.create);
      expect((await send(path, kit.cancel)).body.outcome).toBe("applied");
      expect((await send(path, kit.cancel)).body.outcome).toBe("duplicate");
      expect((await memberByPhone(api, kit.phone))?.points.total).toBe(0);
      const o = await order(api);
      expect(o.body.points).toMatchObject({ earned: kit.points, reversed: kit.points, net: 0 });
    });

    if (kit.partialRefund) {
      const partial = kit.partialRefund;
      it("a partial refund reverses points pro rata (once)", async () => {
        const { api, path } = await setup();
        await send(path, kit.create);
        expect((await send(path, partial)).body.outcome).toBe("applied");
        expect((await send(path, partial)).body.outcome).toBe("duplicate");
        const o = await order(api);
        expect(o.body.refunds).toHaveLength(1);
        const amount = o.body.refunds[0].amount as number;
        expect(amount).toBeGreaterThan(0);
        expect(amount).toBeLessThan(o.body.total);
        expect(o.body.points.reversed).toBe(Math.floor((kit.points * amount) / o.body.total));
        expect((await memberByPhone(api, kit.phone))?.points.total).toBe(kit.points - o.body.points.reversed);
      });
    }

    it("no phone or email → a guest order (no member enrolled)", async () => {
      const { api, path } = await setup();
      expect((await send(path, kit.guest)).body.outcome).toBe("applied");
      const o = await api("GET", `/v1/orders/${encodeURIComponent(kit.guestExternalId ?? kit.externalId)}`);
      expect(o.status).toBe(200);
      expect(o.body.memberId).toBeNull();
      expect((await api("GET", "/v1/members")).body.members).toHaveLength(0);
    });

    it("a known member (stored phone) earns on their own account; enrolment off leaves others as guests", async () => {
      const off = { ...kit.connectExtra, enrolUnknownCustomers: false };
      const m1 = await server().merchant();
      const c1 = await connect(m1.api, kit.platform, off);
      expect((await send(c1.path, kit.create)).body.outcome).toBe("applied");
      expect((await order(m1.api)).body.memberId).toBeNull();
      expect((await m1.api("GET", "/v1/members")).body.members).toHaveLength(0);

      const m2 = await server().merchant();
      const member = await m2.api("POST", "/v1/members", { phone: `0${kit.phone.slice(3)}` }); // typed locally
      const c2 = await connect(m2.api, kit.platform, off);
      expect((await send(c2.path, kit.create)).body.outcome).toBe("applied");
      expect((await order(m2.api)).body.memberId).toBe(member.body.id);
      expect((await m2.api("GET", `/v1/members/${member.body.id}`)).body.points.total).toBe(kit.points);
    });

    if (kit.email) {
      const email = kit.email;
      const lower = email.address.toLowerCase();
      const memberBy = async (api: Api, q: string) => (await api("GET", `/v1/members?${q}`)).body.members;

      it("an unknown customer with phone and email → enrolled with both", async () => {
        const { api, path } = await setup();
        expect((await send(path, email.both)).body.outcome).toBe("applied");
        const [m] = await memberBy(api, `email=${encodeURIComponent(email.address.toUpperCase())}`);
        expect(m).toMatchObject({ phone: kit.phone, email: lower });
        expect(m.points.total).toBe(kit.points);
        expect((await order(api)).body.memberId).toBe(m.id);
      });

      it("email only, matching a member (case-insensitively) → that member earns; unknown → a guest order", async () => {
        const a = await setup();
        const member = await a.api("POST", "/v1/members", { email: ` ${email.address.toUpperCase()} ` });
        expect(member.body.email).toBe(lower);
        expect((await send(a.path, email.only)).body.outcome).toBe("applied");
        expect((await order(a.api)).body.memberId).toBe(member.body.id);
        expect((await a.api("GET", `/v1/members/${member.body.id}`)).body.points.total).toBe(kit.points);

        const b = await setup();
        expect((await send(b.path, email.only)).body.outcome).toBe("applied");
        expect((await order(b.api)).body.memberId).toBeNull();
        expect(await memberBy(b.api, "")).toHaveLength(0);
      });

      it("the phone wins over the email when they name different members", async () => {
        const { api, path } = await setup();
        const byPhone = await api("POST", "/v1/members", { phone: kit.phone });
        const byEmail = await api("POST", "/v1/members", { email: email.address });
        expect(byEmail.status).toBe(201);
        expect((await send(path, email.both)).body.outcome).toBe("applied");
        expect((await order(api)).body.memberId).toBe(byPhone.body.id);
        expect((await api("GET", `/v1/members/${byEmail.body.id}`)).body.points.total).toBe(0);
      });
    }

    it("an unusable payload → 200 and a failed delivery that replays once fixed", async () => {
      const { api, path, id } = await setup();
      const r = await send(path, kit.unusable);
      expect(r).toMatchObject({ status: 200, body: { outcome: "failed" } });
      const [d] = await deliveries(api, id);
      expect(d?.outcome).toBe("failed");
      expect(d?.reason).toBeTruthy();
      const still = await api("POST", `/v1/integrations/${id}/deliveries/${d!.id}/replay`, {});
      expect(still.body.outcome).toBe("failed");
      const fixed = await api("POST", `/v1/integrations/${id}/deliveries/${d!.id}/replay`, {
        body: kit.sign(kit.create, "correct").body,
      });
      expect(fixed.status).toBe(200);
      expect(fixed.body).toMatchObject({ outcome: "applied", externalId: kit.externalId });
      expect((await memberByPhone(api, kit.phone))?.points.total).toBe(kit.points);
      // Applied now: a second replay is refused and earns nothing.
      const third = await api("POST", `/v1/integrations/${id}/deliveries/${d!.id}/replay`, {});
      expect(third.status).toBe(409);
    });

    it("another merchant cannot see, replay or delete the connection (404)", async () => {
      const a = await setup();
      const r = await send(a.path, kit.unusable);
      const b = await server().merchant();
      expect((await b.api("GET", `/v1/integrations/${a.id}/deliveries`)).status).toBe(404);
      expect((await b.api("POST", `/v1/integrations/${a.id}/deliveries/${r.body.deliveryId}/replay`, {})).status).toBe(
        404,
      );
      expect((await b.api("DELETE", `/v1/integrations/${a.id}`)).status).toBe(404);
      expect((await b.api("GET", "/v1/integrations")).body.integrations).toEqual([]);
      expect((await a.api("GET", `/v1/integrations/${a.id}/deliveries`)).body.deliveries).toHaveLength(1);
    });
  });
}

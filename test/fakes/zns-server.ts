// A fake ZNS API (Zalo Notification Service) for tests: node:http on 127.0.0.1, random port.
//
//   const zns = await FakeZnsServer.start({ templates: { "231001": ["customer_name", "points"] } });
//   const sender = createZnsSender({ fetch, accessToken: () => zns.token, apiRoot: zns.url });
//   zns.dailyQuota = 2;            // the OA's quota: the 3rd message of the day → error -144
//   zns.expireToken();             // every call → -124 until a new token is issued
//   zns.admins.add("84912345678"); // development mode delivers only to the OA's admins
//
// Like Zalo: HTTP 200 with `{ error, message, data }`; success is `error === 0` with `data.msg_id`. The error codes
// are the ones in src/channels/zns.ts (partly unconfirmed; see docs/zns.md).
import type { IncomingMessage, ServerResponse } from "node:http";
import { readRawBody, sendJson, startHttpServer, type StartedHttpServer } from "./http.ts";

export interface ZnsSent {
  phone: string;
  templateId: string;
  templateData: Record<string, unknown>;
  trackingId: string | undefined;
  mode: string | undefined;
  msgId: string;
  at: number;
}

export const ZNS_TEST_TOKEN = "fake-oa-access-token-0123456789";

export class FakeZnsServer {
  token = ZNS_TEST_TOKEN;
  /** Approved (ENABLE) templates: id → parameter names. */
  templates: Map<string, string[]>;
  /** The OA's daily quota (null = unlimited); `used` resets with `resetQuota()`. */
  dailyQuota: number | null = null;
  used = 0;
  /** Phones of the OA's admins: the only ones development mode delivers to. */
  readonly admins = new Set<string>();
  /** Every accepted message, in order. */
  readonly sent: ZnsSent[] = [];
  /** Every request (accepted or not): its error code. */
  readonly calls: { phone: unknown; error: number }[] = [];
  private seq = 1;
  private http!: StartedHttpServer;

  static async start(o: { templates?: Record<string, string[]> } = {}): Promise<FakeZnsServer> {
    const f = new FakeZnsServer(o.templates ?? {});
    f.http = await startHttpServer((req, res) => f.handle(req, res));
    return f;
  }

  private constructor(templates: Record<string, string[]>) {
    this.templates = new Map(Object.entries(templates));
  }

  get url(): string {
    return this.http.url;
  }

  expireToken(): void {
    this.token = `${ZNS_TEST_TOKEN}-rotated-${this.seq++}`;
  }

  resetQuota(): void {
    this.used = 0;
  }

  reset(): void {
    this.sent.length = 0;
    this.calls.length = 0;
    this.used = 0;
    this.dailyQuota = null;
    this.admins.clear();
    this.token = ZNS_TEST_TOKEN;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private answer(res: ServerResponse, phone: unknown, error: number, message: string, data?: unknown): void {
    this.calls.push({ phone, error });
    sendJson(res, 200, { error, message, ...(data !== undefined ? { data } : {}) });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const token = req.headers.access_token;
    if (url.pathname === "/template/info/v2" && req.method === "GET") {
      if (token !== this.token) return this.answer(res, null, -124, "Access token is invalid");
      const id = url.searchParams.get("template_id") ?? "";
      const params = this.templates.get(id);
      if (!params) return this.answer(res, null, -131, "Template does not exist");
      return this.answer(res, null, 0, "Success", {
        templateId: Number(id),
        status: "ENABLE",
        listParams: params.map((name) => ({ name, require: true, type: "STRING", maxLength: 100 })),
      });
    }
    if (url.pathname !== "/message/template" || req.method !== "POST") {
      sendJson(res, 404, { error: 404, message: "Not found" });
      return;
    }
    const raw = await readRawBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    } catch {
      return this.answer(res, null, -100, "Body is not JSON");
    }
    const phone = body.phone;
    if (token !== this.token) return this.answer(res, phone, -124, "Access token is invalid");
    if (typeof phone !== "string" || !/^84[1-9]\d{8,9}$/.test(phone))
      return this.answer(res, phone, -108, "Phone number is invalid");
    const templateId = String(body.template_id ?? "");
    const params = this.templates.get(templateId);
    if (!params) return this.answer(res, phone, -131, "Template is not approved or does not exist");
    const data = (body.template_data ?? {}) as Record<string, unknown>;
    const missing = params.filter((p) => typeof data[p] !== "string" || data[p] === "");
    if (missing.length > 0) return this.answer(res, phone, -132, `Missing template parameters: ${missing.join(", ")}`);
    const mode = typeof body.mode === "string" ? body.mode : undefined;
    if (mode === "development" && !this.admins.has(phone))
      return this.answer(res, phone, -133, "Development mode: the phone is not an admin of the OA");
    if (this.dailyQuota !== null && this.used >= this.dailyQuota)
      return this.answer(res, phone, -144, "OA has exceeded the daily quota of ZNS messages");
    this.used++;
    const msgId = `zmsg${this.seq++}`;
    const trackingId = typeof body.tracking_id === "string" ? body.tracking_id : undefined;
    this.sent.push({ phone, templateId, templateData: data, trackingId, mode, msgId, at: Date.now() });
    return this.answer(res, phone, 0, "Success", {
      msg_id: msgId,
      sent_time: String(Date.now()),
      quota: {
        dailyQuota: this.dailyQuota === null ? "1000000" : String(this.dailyQuota),
        remainingQuota: this.dailyQuota === null ? "999999" : String(this.dailyQuota - this.used),
      },
    });
  }
}

/** The console over real HTTP without a browser: form posts (with an Origin), GETs, and signing in for a cookie. */
import { expect } from "vitest";
import type { TestServer } from "../helpers/server.ts";

export function consoleHttp(s: TestServer) {
  const form = (data: Record<string, string>) => new URLSearchParams(data).toString();
  async function post(path: string, data: Record<string, string>, cookie = "", origin: string | null = s.url) {
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", cookie };
    if (origin !== null) headers.origin = origin;
    return fetch(s.url + path, { method: "POST", headers, body: form(data), redirect: "manual" });
  }
  const get = (path: string, cookie = "") => fetch(s.url + path, { headers: { cookie }, redirect: "manual" });
  async function signIn(apiKey: string): Promise<string> {
    const res = await post("/console/sign-in", { apiKey });
    expect(res.status).toBe(303);
    const m = /cl_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "");
    expect(m).not.toBeNull();
    return `cl_session=${m![1]}`;
  }
  return { post, get, signIn };
}

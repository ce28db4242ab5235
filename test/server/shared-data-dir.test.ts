/**
 * The embedded database shared by `npm start` and the CLI on one DATA_DIR: the server lends the directory to the
 * CLI and carries on; requests made meanwhile wait; nothing is lost or corrupted; a process holding the directory
 * without lending it locks the CLI out with a one-line error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { ROOT, runCli } from "../helpers/cli.ts";
import { startNodeServer, type RunningServer } from "../helpers/node-server.ts";
import { borrow } from "../../src/db/pglite-lending.ts";
import { lockFile, type DataDirLock } from "../../src/db/data-dir-lock.ts";

let dir: string;
let dataDir: string;
let server: RunningServer | undefined;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cl-share-"));
  dataDir = path.join(dir, "data");
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ DATA_DIR: dataDir, DATABASE_URL: "", DEMO_SEED: "false" });
const createMerchant = async (name: string) => {
  const r = await runCli(["merchant", "create", "--name", name, "--json"], env());
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { merchantId: string; apiKey: string };
};
const program = (apiKey: string) =>
  fetch(`${server!.url}/v1/program`, { headers: { authorization: `Bearer ${apiKey}` } });
/** Always reads the database (the API key and the program are cached by the server). */
const members = (apiKey: string) =>
  fetch(`${server!.url}/v1/members`, { headers: { authorization: `Bearer ${apiKey}` } });
/**
 * Instead of a sleep: a request sent later that needs no database (and takes longer to build than a members
 * read) is answered, so the server has read the earlier request and got to it.
 */
const requestBarrier = async () => expect((await fetch(`${server!.url}/v1/openapi.json`)).status).toBe(200);

describe("one DATA_DIR, server and CLI", () => {
  it("the CLI creates merchants while the server runs; the server sees them at once and after a restart", async () => {
    server = await startNodeServer(env());
    const a = await createMerchant("Shop A");
    expect((await program(a.apiKey)).status).toBe(200);
    const b = await createMerchant("Shop B");
    expect((await program(b.apiKey)).status).toBe(200);
    expect((await program(a.apiKey)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    server = await startNodeServer(env());
    expect((await program(a.apiKey)).status).toBe(200);
    expect((await program(b.apiKey)).status).toBe(200);
  });

  it("requests wait while the directory is lent and are answered once it is given back (also when the borrower dies)", async () => {
    const m = await createMerchant("Shop C");
    const lock = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as DataDirLock;
    expect(lock.port).toBeGreaterThan(0);
    let answered = false;
    expect((await members(m.apiKey)).status).toBe(200);
    const loan = await borrow(lock);
    try {
      const pending = members(m.apiKey).then((r) => ((answered = true), r.status));
      await requestBarrier();
      expect(answered).toBe(false);
      loan.giveBack();
      expect(await pending).toBe(200);
    } finally {
      loan.giveBack();
    }
    // A borrower killed with -9 gives the directory back by dying (its connection closes).
    const script = `import { borrow } from ${JSON.stringify(path.join(ROOT, "src/db/pglite-lending.ts"))};
      await borrow(${JSON.stringify(lock)}); process.stdout.write("lent\\n"); setInterval(() => {}, 1000);`;
    const child = spawn(
      process.execPath,
      ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      answered = false;
      const waiting = members(m.apiKey).then((r) => ((answered = true), r.status));
      await requestBarrier();
      expect(answered).toBe(false);
      child.kill("SIGKILL");
      expect(await waiting).toBe(200);
    } finally {
      child.kill("SIGKILL");
    }
    // A wrong token borrows nothing.
    await expect(borrow({ ...lock, token: "nope" }, 5_000)).rejects.toThrow(/refused/);
  });

  it("a live process holding DATA_DIR without lending it locks the CLI out; a stale lock is ignored", async () => {
    await server!.stop();
    server = undefined;
    writeFileSync(lockFile(dataDir), JSON.stringify({ pid: process.pid }));
    const busy = await runCli(["merchant", "create", "--name", "X", "--json"], env());
    expect(busy.code).not.toBe(0);
    expect(busy.stderr.trim().split("\n")).toHaveLength(1);
    expect(busy.stderr).toMatch(/in use by another chatloyalty process \(pid \d+\)/);
    writeFileSync(lockFile(dataDir), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    await createMerchant("After a crash");
  });
});

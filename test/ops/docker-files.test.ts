/**
 * Static checks of the Dockerfile and compose.yaml (no Docker daemon here, so they are never built in tests):
 * Node 24 slim base, dev dependencies omitted — valid only because every package src/ and bots/ import is a runtime
 * dependency, which this test proves —, a non-root user, a health check, the stack's services and volume.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const read = (f: string) => readFileSync(path.join(root, f), "utf8");

function files(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    return statSync(path.join(root, rel)).isDirectory() ? files(rel) : rel.endsWith(".ts") ? [rel] : [];
  });
}

describe("Dockerfile", () => {
  const df = read("Dockerfile");
  const lines = df.split("\n").filter((l) => !l.trim().startsWith("#"));
  const body = lines.join("\n");

  it("builds on node:24-slim with npm ci --omit=dev, runs as a non-root user with a health check", () => {
    expect(body).toMatch(/^FROM node:24-slim\s*$/m);
    expect(body).toMatch(/RUN npm ci --omit=dev\b/);
    const user = /^USER (\S+)/m.exec(body)?.[1];
    expect(user).toBeTruthy();
    expect(["root", "0"]).not.toContain(user);
    // USER comes after the last RUN (nothing runs as root after it) and before CMD.
    expect(body.lastIndexOf("\nUSER ")).toBeGreaterThan(body.lastIndexOf("\nRUN "));
    expect(body).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(body).toMatch(/^CMD \["node", "--disable-warning=ExperimentalWarning", "src\/node\.ts"\]/m);
  });

  it("copies everything the server reads at run time", () => {
    for (const dir of ["src", "bots", "migrations", "package.json"]) expect(body).toContain(dir);
  });

  it("needs no dev dependency at run time: every package imported by src/ and bots/ is a dependency", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const f of [...files("src"), ...files("bots")]) {
      for (const m of read(f).matchAll(/(?:from |import\()\s*"([^"]+)"/g)) {
        const spec = m[1]!;
        if (spec.startsWith(".") || spec.startsWith("node:")) continue;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });
});

describe("compose.yaml", () => {
  const c = read("compose.yaml");
  it("starts the app and postgres:16 with a named volume; the app waits for a healthy database", () => {
    expect(c).toMatch(/^\s+image: postgres:16\s*$/m);
    expect(c).toMatch(/^\s+build: \.\s*$/m);
    expect(c).toMatch(/pgdata:\/var\/lib\/postgresql\/data/);
    expect(c).toMatch(/^volumes:\n\s+pgdata:/m);
    expect(c).toMatch(/condition: service_healthy/);
    expect(c).toMatch(/DATABASE_URL: postgres:\/\/chatloyalty:.*@db:5432\/chatloyalty/);
  });
});

describe(".env.example", () => {
  it("lists every variable of src/config.ts", () => {
    const config = read("src/config.ts");
    const schema = config.slice(config.indexOf("ConfigSchema = z.object({"));
    const vars = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    const example = new Set([...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(vars.length).toBeGreaterThan(20);
    expect(vars.filter((v) => !example.has(v))).toEqual([]);
  });
});

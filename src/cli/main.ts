#!/usr/bin/env node
/**
 * CLI entry: `npm run cli -- <command> [options]` (src/cli/run.ts). Before anything else loads, Node's on-disk cache
 * of compiled modules is switched on (os.tmpdir()/node-compile-cache, or the directory in NODE_COMPILE_CACHE;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off): a command compiles the runtime and its dependencies (~470 modules) on
 * every start, and a repeat with the cache starts ~0.2 s sooner (docs/cli.md).
 */
import { enableCompileCache } from "node:module";

enableCompileCache();
await import("./run.ts");

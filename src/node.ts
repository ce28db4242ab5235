/**
 * Node entry (`npm start`): the server process is src/runtime/node-process.ts. Before it loads, Node's on-disk cache
 * of compiled modules is switched on (os.tmpdir()/node-compile-cache, or the directory in NODE_COMPILE_CACHE;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off), as the CLI does (src/cli/main.ts): a start compiles ~470 modules, a
 * restart with the cache is ready ~0.2–0.4 s sooner (docs/deploy.md).
 */
import { enableCompileCache, flushCompileCache } from "node:module";

enableCompileCache();
await import("./runtime/node-process.ts");
// Written once the server is up, not at exit: a server is usually stopped by a signal, or killed.
flushCompileCache();

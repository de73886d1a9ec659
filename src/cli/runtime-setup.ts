/**
 * Process set-up that must run before any dependency is loaded; imported first by the CLI's entry
 * module, never by library code.
 *
 * node-postgres asks whether it runs in a Cloudflare Worker when it is loaded: it reads
 * `navigator.userAgent` and, where `navigator` is missing (Node.js 20; 21 and later define it),
 * builds a `Response`, which makes Node.js load its whole fetch implementation (undici): 25-50 ms
 * of every command's start, the cutover's included. So on Node.js 20 the CLI defines `navigator`
 * as later Node.js versions do (`userAgent` "Node.js/<major>"); no other dependency reads it.
 *
 * The SQL parser (libpg-query) is WebAssembly. V8 first compiles it with its baseline compiler
 * (Liftoff) and then recompiles the functions that run often with its optimizing one (TurboFan):
 * for this parser that includes two generated functions of 80-100 KB each, 0.2 s of CPU apiece,
 * spent by every command that parses a few hundred statements. Measured on Node.js 20 (this
 * machine, 5 runs each): 900 statements parsed in 165 ms instead of 285 ms and 0.42 s of process CPU
 * instead of 0.78 s; 9,000 statements 4% slower (1.14 s instead of 1.10 s) for 15% less CPU; `import
 * schema` of a 20-table database 0.58 s of CPU instead of 0.95 s and 80 MB of memory instead of 130
 * MB. So the CLI keeps WebAssembly on the baseline compiler (V8's `--no-wasm-tier-up` and
 * `--no-wasm-dynamic-tiering`, set before anything compiles WebAssembly; checked on Node.js 20: a
 * V8 without either flag would print "unrecognized flag" at every start, which the unit test
 * checks). The only other WebAssembly in the dependencies is `long`'s (mysql2's 64-bit integer
 * helper): a few 64-bit multiply and divide functions of a few instructions each.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-wasm-tier-up');
setFlagsFromString('--no-wasm-dynamic-tiering');

if (typeof (globalThis as { navigator?: unknown }).navigator === 'undefined') {
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.freeze({
      userAgent: `Node.js/${process.versions.node.split('.')[0]}`,
      hardwareConcurrency: availableParallelism(),
      platform: process.platform,
      language: 'en-US',
    }),
    configurable: true,
    writable: true,
    enumerable: false,
  });
}

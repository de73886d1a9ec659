/**
 * Process set-up that must run before any dependency is loaded; imported first by the CLI's entry
 * module, never by library code.
 *
 * node-postgres asks whether it runs in a Cloudflare Worker when it is loaded: it reads
 * `navigator.userAgent` and, where `navigator` is missing (Node.js 20; 21 and later define it),
 * builds a `Response`, which makes Node.js load its whole fetch implementation (undici): 25-50 ms
 * of every command's start, the cutover's included. So on Node.js 20 the CLI defines `navigator`
 * as later Node.js versions do (`userAgent` "Node.js/<major>"); no other dependency reads it.
 */
import { availableParallelism } from 'node:os';

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

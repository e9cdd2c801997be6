/**
 * Where a server's CPU went: `tsx bench/profile.ts <file.cpuprofile>…` groups the busy (not
 * idle) samples of V8 CPU profiles — as `BENCH_CPU_PROF=<dir> npm run bench:scim` writes
 * them for the API — by layer, then lists the costliest functions.
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** First matching rule names the layer; order matters (our sources before node_modules). */
const LAYERS: Array<[string, (f: CallFrame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['socket writes (syscalls)', (f) => f.url === '' && ['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String'].includes(f.functionName)],
  ['scimflow src/scim', (f) => f.url.includes('/src/scim/')],
  ['scimflow src/target', (f) => f.url.includes('/src/target/')],
  ['scimflow src/api', (f) => f.url.includes('/src/api/')],
  ['drizzle-orm', (f) => f.url.includes('/node_modules/drizzle-orm/')],
  ['postgres.js', (f) => f.url.includes('/node_modules/postgres/')],
  ['express, router, body-parser', (f) => /\/node_modules\/(express|router|body-parser|raw-body|qs|parseurl|send|finalhandler|type-is|content-type|iconv-lite|on-finished)\//.test(f.url)],
  ['zod', (f) => f.url.includes('/node_modules/zod/')],
  ['module loading (startup)', (f) => /node:internal\/modules|\/node_modules\/tsx\/|wasm:/.test(f.url)],
  ['node http and streams', (f) => /^node:(_http|internal\/streams|net|internal\/stream_base|events|internal\/http)/.test(f.url)],
];

function layerOf(frame: CallFrame): string {
  return LAYERS.find(([, test]) => test(frame))?.[0] ?? 'other (node internals, JSON, crypto, …)';
}

const short = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules\/[^/]+|src|bench)\//, '$1/')}:${f.lineNumber + 1}`;

function summarise(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byLayer = new Map<string, number>();
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const us = profile.timeDeltas[i] ?? 0;
    const layer = layerOf(frame);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + us);
    if (layer !== 'idle') byFunction.set(short(frame), (byFunction.get(short(frame)) ?? 0) + us);
  });
  const busy = [...byLayer].filter(([layer]) => layer !== 'idle').reduce((sum, [, us]) => sum + us, 0);
  if (busy === 0) return;
  const rows = (m: Map<string, number>, limit: number) => [...m]
    .filter(([name]) => name !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => `  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  console.log(`${file}: ${(busy / 1000).toFixed(0)} ms busy`);
  console.log(['by layer (self time):', ...rows(byLayer, LAYERS.length + 1), 'costliest functions (self time):', ...rows(byFunction, 15)].join('\n'));
}

for (const file of process.argv.slice(2)) summarise(file);

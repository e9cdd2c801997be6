import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error postgres.js ships no types for its internal modules
import untypedQueue from '../../node_modules/postgres/src/queue.js';

/**
 * The queue postgres.js keeps its connections and waiting queries in, as patched by
 * patches/postgres+3.4.9.patch (package.json's postinstall applies it).
 */
const Queue = untypedQueue as () => { length: number; push(x: number): number; shift(): number; remove(x: number): number | null };

type Op = { op: 'push' } | { op: 'shift' } | { op: 'remove'; nth: number };

const ops = fc.array(fc.oneof(
  fc.constant<Op>({ op: 'push' }),
  fc.constant<Op>({ op: 'shift' }),
  fc.record({ op: fc.constant('remove' as const), nth: fc.nat(50) }),
), { maxLength: 5000 });

describe('postgres.js connection queue (patched)', () => {
  it('behaves as a first-in, first-out list with removal, however long it runs', () => {
    fc.assert(fc.property(ops, (script) => {
      const queue = Queue();
      const model: number[] = [];
      let next = 0;
      for (const step of script) {
        if (step.op === 'push') {
          queue.push(next);
          model.push(next++);
        } else if (step.op === 'shift') {
          if (model.length === 0) continue;
          expect(queue.shift()).toBe(model.shift());
        } else {
          const target = model.length === 0 ? -1 : model[step.nth % model.length]!;
          const removed = queue.remove(target);
          const at = model.indexOf(target);
          expect(removed).toBe(at === -1 ? null : target);
          if (at !== -1) model.splice(at, 1);
        }
        expect(queue.length).toBe(model.length);
      }
    }), { numRuns: 300 });
  });

  it('searches only live entries, however long a queue rotates without draining', () => {
    // what sustained load does to the busy queue: a connection is shifted off the front, then
    // moved back in (remove, which finds nothing, and push), again and again; unpatched, every
    // remove searched all the spent slots, one more per query (postgres#747)
    const queue = Queue();
    for (let c = 0; c < 10; c++) queue.push(c);
    const searched: number[] = [];
    const indexOf = Array.prototype.indexOf;
    Array.prototype.indexOf = function (this: unknown[], ...args: Parameters<typeof indexOf>) {
      searched.push(this.length - (args[1] ?? 0));
      return indexOf.apply(this, args);
    };
    try {
      for (let i = 0; i < 100_000; i++) {
        const c = queue.shift();
        queue.remove(c);
        queue.push(c);
      }
    } finally {
      Array.prototype.indexOf = indexOf;
    }
    expect(searched).toHaveLength(100_000);
    expect(searched.reduce((a, b) => Math.max(a, b))).toBeLessThanOrEqual(10);
    expect(queue.length).toBe(10);
    expect(queue.remove(3)).toBe(3);
    expect(Array.from({ length: 9 }, () => queue.shift())).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
  });
});

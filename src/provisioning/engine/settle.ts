/**
 * Promise.all for the objects of a page, except that a failure is rethrown only after every
 * object's work has finished: when a job-level failure stops a page, the requests already in
 * flight complete and write their links, so a rerun of the page finds what they created.
 */
export async function allObjects<T>(work: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Group commit: callers hand in one item each and wait until it is written; items that arrive
 * while a write is running go together in the next one. A page's creates thus get their
 * links written right after they succeed, in a few statements instead of one per object.
 */
export function groupCommit<T>(write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let queue: Array<{ item: T; done: (error?: unknown) => void }> = [];
  let writing = false;
  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await write(batch.map((b) => b.item));
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error);
      }
    }
    writing = false;
  }
  return (item) => new Promise<void>((resolve, reject) => {
    queue.push({ item, done: (error) => (error === undefined ? resolve() : reject(error)) });
    if (!writing) void drain();
  });
}

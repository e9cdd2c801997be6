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

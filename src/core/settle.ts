/**
 * Runs nothing itself: waits until every one of `steps` (already started, running at once) has
 * settled, then throws the first failure in the order given, or returns every value. For steps of
 * which none may be left running behind a failure: a connection half-open, a write still going,
 * a step reported after the error that ended the command.
 *
 * @example const [, verification] = await settleAll([restoring, verifying]);
 */
export async function settleAll<T extends readonly unknown[]>(steps: readonly [...{ [K in keyof T]: PromiseLike<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(steps);
  for (const step of settled) if (step.status === 'rejected') throw step.reason;
  return settled.map((step) => (step as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

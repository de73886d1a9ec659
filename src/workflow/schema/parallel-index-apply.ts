import type {
  SchemaApplyOptions, SchemaApplyResult, SchemaStatement, StatementResult, TargetDatabase,
} from '../../core/engine/target.js';

/** The object type of the statements built in parallel: secondary indexes after the data. */
const PARALLEL_TYPE = 'INDEX';

/**
 * Applies the post-snapshot schema with the secondary indexes built on `jobs` connections at once
 * (each index build is one server process scanning its table: on a loaded table that is most of
 * `import schema --post-snapshot-import`'s time, and pg_restore -j does the same).
 *
 * Phase 1 builds the `CREATE INDEX` statements, spread over `jobs` target sessions, each going on
 * after a failure. Phase 2 runs everything else, and every index that phase 1 did not create or
 * find already there, on one session in file order with the caller's options: a statement that
 * depends on an index (a constraint `USING INDEX`) runs after it, an index that needs something
 * created later waits for it as it would without phase 1, and a real failure is reported (and
 * stops the run, unless `continueOnError`) exactly as in a sequential run. With one job, or fewer
 * than two indexes, it is the sequential run.
 *
 * `open` gives a new target session each time (the caller closes them with `close`).
 */
export async function applyWithParallelIndexes(
  open: () => TargetDatabase,
  statements: readonly SchemaStatement[],
  options: SchemaApplyOptions,
  jobs: number,
): Promise<SchemaApplyResult> {
  const indexPositions = statements.flatMap((s, i) => (s.objectType === PARALLEL_TYPE && !s.mayCommitInside ? [i] : []));
  const sessions: TargetDatabase[] = [];
  const session = () => {
    const db = open();
    sessions.push(db);
    return db;
  };
  try {
    if (jobs <= 1 || indexPositions.length < 2) return await session().applySchema(statements, options);

    const total = statements.length;
    let done = 0;
    const progress = () => options.onProgress?.(++done, total);
    const final = new Array<StatementResult | undefined>(total);

    // Phase 1: the indexes, round-robin over the sessions (file order within each), never stopping.
    const lanes = Array.from({ length: Math.min(jobs, indexPositions.length) }, () => [] as number[]);
    indexPositions.forEach((pos, k) => lanes[k % lanes.length]!.push(pos));
    await Promise.all(lanes.map(async (lane) => {
      const r = await session().applySchema(lane.map((i) => statements[i]!), { ...options, continueOnError: true, onProgress: undefined, onWaiting: undefined });
      r.results.forEach((res, k) => {
        if (res.status === 'applied' || res.status === 'skipped') {
          final[lane[k]!] = res;
          progress();
        }
      });
    }));

    // Phase 2: the rest, and the indexes phase 1 left, in file order on one session.
    const rest = statements.flatMap((_, i) => (final[i] ? [] : [i]));
    const second = await session().applySchema(rest.map((i) => statements[i]!), { ...options, onProgress: () => progress() });
    second.results.forEach((res, k) => { final[rest[k]!] = res; });

    const results = final as StatementResult[];
    const count = (status: StatementResult['status']) => results.filter((r) => r.status === status).length;
    return {
      results, applied: count('applied'), skipped: count('skipped'), failed: count('failed'), notExecuted: count('not-executed'),
      waited: second.waited,
    };
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => {})));
  }
}

/**
 * The benches' settings from the environment, checked: a value that is not a number (or is out of
 * range) stops the bench before it starts anything, instead of silently skipping or disturbing a
 * part of the run (`Number('5k')` is NaN, and a NaN duration ends a loop at once).
 */

export interface BenchNumberRule {
  /** Smallest value allowed (default 0). */
  readonly min?: number;
  /** Whole numbers only (default true). */
  readonly integer?: boolean;
}

/** `process.env[name]` as a number, or `fallback` when unset or empty; throws on anything else. */
export function benchNumber(name: string, fallback: number, rule: BenchNumberRule = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return checked(name, raw, raw, rule);
}

/** A comma-separated list of numbers (`BENCH_CHANNELS=1,4,8`), each checked like {@link benchNumber}. */
export function benchNumbers(name: string, fallback: readonly number[], rule: BenchNumberRule = {}): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  return raw.split(',').map((part) => checked(name, raw, part, rule));
}

function checked(name: string, whole: string, part: string, rule: BenchNumberRule): number {
  const min = rule.min ?? 0;
  const integer = rule.integer ?? true;
  const n = part.trim() === '' ? Number.NaN : Number(part);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    const what = `${integer ? 'a whole number' : 'a number'} of at least ${min}`;
    throw new Error(`${name}=${JSON.stringify(whole)}: expected ${what}${whole === part ? '' : ` (in a comma-separated list), not ${JSON.stringify(part.trim())}`}`);
  }
  return n;
}

/** `process.env[name]` when it is one of `choices`, `fallback` when unset or empty; throws on anything else. */
export function benchChoice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new Error(`${name}=${JSON.stringify(raw)}: expected one of ${choices.join(', ')}`);
}

/**
 * Orders items so that each comes after the items it depends on; otherwise keeps the given order
 * (callers pass items sorted by name, so the result is deterministic). Dependencies on keys that
 * are not in the list are ignored; a cycle is broken by emitting the remaining items in order.
 */
export function orderByDependencies<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  dependenciesOf: (item: T) => readonly string[],
): T[] {
  const byKey = new Map(items.map((item) => [keyOf(item), item] as const));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (item: T): void => {
    const key = keyOf(item);
    if (done.has(key) || visiting.has(key)) return;
    visiting.add(key);
    for (const dep of dependenciesOf(item)) {
      const depItem = byKey.get(dep);
      if (depItem !== undefined && dep !== key) visit(depItem);
    }
    visiting.delete(key);
    done.add(key);
    out.push(item);
  };
  for (const item of items) visit(item);
  return out;
}

/** Items by key, in their order. (Map.groupBy says it in one line, but arrived after Node 20.) */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Items by key, looked up as a list: those of a key in their order, [] for a key none has. */
export function listsBy<T>(items: readonly T[], keyOf: (item: T) => string): (key: string) => T[] {
  const groups = groupBy(items, keyOf);
  return (key) => groups.get(key) ?? [];
}

/**
 * Rendered public pages, kept per URL with the public data version they were rendered
 * at. A page is served from here only while that version is still the current one, so
 * an acceptance or an admin edit anywhere (any instance) makes it render afresh.
 */
export function createPageCache(maxEntries = 500) {
  const entries = new Map<string, { version: number; html: string }>();
  return {
    get(key: string, version: number): string | undefined {
      const hit = entries.get(key);
      if (!hit || hit.version !== version) return undefined;
      // Least recently used goes first: move the hit to the end.
      entries.delete(key);
      entries.set(key, hit);
      return hit.html;
    },
    set(key: string, version: number, html: string): void {
      entries.delete(key);
      entries.set(key, { version, html });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}

export type PageCache = ReturnType<typeof createPageCache>;

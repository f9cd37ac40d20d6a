/**
 * A text cut into parts, the words searched for marked, for <mark> in the view (each part is
 * escaped there like any text). Matches whole words, ignoring case, as PostgreSQL's 'simple'
 * text search does; search operators (quotes, a leading "-" for "without", "or") mark nothing.
 */
export type TextPart = { text: string; mark: boolean };

export function searchTerms(query: string): string[] {
  const words = query
    .split(/[\s"]+/u)
    .filter((word) => word && !word.startsWith('-') && word.toLowerCase() !== 'or')
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').toLowerCase())
    .filter(Boolean);
  // A hyphenated word matches whole and by its parts, as PostgreSQL's parser indexes it; the
  // longest first, so the whole is marked as one.
  const parts = words.flatMap((word) => word.match(/[\p{L}\p{N}]+/gu) ?? []);
  return [...new Set([...words, ...parts])].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function highlight(text: string, terms: string[]): TextPart[] {
  if (!terms.length || !text) return [{ text, mark: false }];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push({ text: text.slice(last, match.index), mark: false });
    parts.push({ text: match[0], mark: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), mark: false });
  return parts;
}

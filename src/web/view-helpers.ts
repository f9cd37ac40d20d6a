// Handlebars helpers: formatting only. Anything with a rule in it belongs in a service.

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** 'YYYY-MM-DD' (a calendar day) or a Date (an instant) as "5 December 2012". */
export function formatDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(`${String(value)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? '' : dateFormat.format(date);
}

/** A share between 0 and 1 as a whole percentage, e.g. "42%". */
export function formatPercent(share: unknown): string {
  const number = Number(share);
  return Number.isFinite(number) ? `${Math.round(number * 100)}%` : '–';
}

/** An instant as "2014-07-31 14:05:09" in UTC, for logs. */
export function isoTime(value: unknown): string {
  return value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) : '';
}

export const viewHelpers = {
  isoTime,
  formatDate,
  formatPercent,
  eq: (a: unknown, b: unknown) => a === b,
  // Handlebars passes its options object last: join everything before it.
  concat: (...parts: unknown[]) => parts.slice(0, -1).map(String).join(''),
};

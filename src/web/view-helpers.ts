import type { HelperOptions } from 'handlebars';
import {
  countryName,
  formatDate,
  formatDateTime,
  formatNumber,
  formatTime,
  formatPercent,
  isLanguage,
  languageSwitch,
  phrase,
  translateMessage,
  type Language,
} from '../i18n';

// Handlebars helpers: formatting and translation only. Anything with a rule in it
// belongs in a service. Each takes the page's language from the view's root (`lang`,
// set by useLanguage); Handlebars passes its options object last.

/** The public site's sections, for the service navigation (labels are locale keys). */
const SITE_SECTIONS = [
  { href: '/', label: 'site.nav.overview' },
  { href: '/countries', label: 'site.nav.members' },
  { href: '/targets', label: 'site.nav.targets' },
  { href: '/cycles', label: 'site.nav.cycles' },
  { href: '/open-data', label: 'site.nav.openData' },
];

/** A value the view passed, if it is text. */
const textOr = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);

const languageOfView = (options: HelperOptions): Language => {
  const lang = (options.data as { root?: { lang?: unknown } } | undefined)?.root?.lang;
  return isLanguage(lang) ? lang : 'en';
};

/** An instant as "2014-07-31 14:05:09" in UTC, for logs. */
function isoTime(value: unknown): string {
  return value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) : '';
}

export const viewHelpers = {
  isoTime,
  /** An instant as ISO 8601, for scripts to read. */
  isoInstant: (value: unknown) => (value instanceof Date ? value.toISOString() : ''),
  formatDate: (value: unknown, options: HelperOptions) => formatDate(value, languageOfView(options)),
  formatDateTime: (value: unknown, options: HelperOptions) => formatDateTime(value, languageOfView(options)),
  formatTime: (value: unknown, options: HelperOptions) => formatTime(value, languageOfView(options)),
  formatPercent: (share: unknown, options: HelperOptions) => formatPercent(share, languageOfView(options)),
  formatNumber: (value: unknown, options: HelperOptions) => formatNumber(value, languageOfView(options)),
  /** {{t "key" name=value}}: the phrase in the page's language, with its values filled in. */
  t: (key: string, options: HelperOptions) => phrase(languageOfView(options))(key, options.hash as Record<string, unknown>),
  /**
   * {{msg key}}, {{msg key params}} or {{msg formError}}: a message a service or a form
   * check gave as a key, in the page's language.
   */
  msg: (message: unknown, ...rest: unknown[]) => {
    const options = rest.pop() as HelperOptions;
    const given =
      message && typeof message === 'object'
        ? (message as { message?: unknown; params?: Record<string, unknown> })
        : { message, params: undefined };
    const params = {
      ...given.params,
      ...((rest[0] as Record<string, unknown> | undefined) ?? {}),
      ...(options.hash as Record<string, unknown>),
    };
    return typeof given.message === 'string' ? translateMessage(languageOfView(options), given.message, params) : '';
  },
  /** {{#each (languageSwitch)}}: the language switch of the page. */
  languageSwitch: (options: HelperOptions) =>
    languageSwitch(
      languageOfView(options),
      textOr((options.data as { root?: { currentUrl?: unknown } } | undefined)?.root?.currentUrl, '/'),
    ),
  /** {{#each (siteSections)}}: the service navigation, the section of this page marked. */
  siteSections: (options: HelperOptions) => {
    const path = textOr((options.data as { root?: { currentUrl?: unknown } } | undefined)?.root?.currentUrl, '/').split('?')[0] ?? '/';
    // Written out, not spread with `current` added (V8's slow path), on every page's layout.
    return SITE_SECTIONS.map(({ href, label }) => ({
      href,
      label,
      current: href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`),
    }));
  },
  /** {{countryName code name}}: a member's name in the page's language. */
  countryName: (code: string, recordedName: string, options: HelperOptions) => countryName(code, recordedName, languageOfView(options)),
  eq: (a: unknown, b: unknown) => a === b,
  concat: (...parts: unknown[]) => parts.slice(0, -1).map(String).join(''),
  /** The questions about one item of a report (the delegate's edit page shows them beside it). */
  about: (questions: unknown, itemKey: string): unknown[] =>
    Array.isArray(questions) ? (questions as Array<{ item_key?: string }>).filter((question) => question.item_key === itemKey) : [],
  /** A workspace section's name in the locale files: stocktaking-PT1 is a stocktaking page. */
  sectionName: (key: string) => (key.startsWith('stocktaking-') ? 'stocktaking' : key),
  /** The policy target of a stocktaking section, or ''. */
  sectionTarget: (key: string) => (key.startsWith('stocktaking-') ? key.slice('stocktaking-'.length) : ''),
  /** Its arguments as a list (a partial that loops over a list, given one item). */
  array: (...items: unknown[]) => items.slice(0, -1),
};

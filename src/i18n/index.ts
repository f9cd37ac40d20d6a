import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import i18next from 'i18next';
import { projectRoot } from '../paths';
import { perHeaderValue } from '../web/per-header-value';

// The interface in English, French and German. Texts live in locales/<language>.json,
// one key per phrase; English is the fallback for a key a language lacks. What members
// wrote (report texts) is never translated.

export const LANGUAGES = ['en', 'fr', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, for the switch. */
const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', fr: 'Français', de: 'Deutsch' };

export const languageName = (language: Language) => LANGUAGE_NAMES[language];

export const LANGUAGE_COOKIE = 'lang';
const COOKIE_PATTERN = new RegExp(`(?:^|;\\s*)${LANGUAGE_COOKIE}=(${LANGUAGES.join('|')})(?:;|$)`);

const localeFile = (name: string) => {
  const file = path.join(projectRoot, 'locales', name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
};

const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: localeFile(`${language}.json`) }])),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  // Resources are in memory: initialise synchronously.
  initAsync: false,
  // Handlebars escapes what helpers return; escaping here too would show "&amp;".
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** A phrase of the locale files in one language, its {{placeholders}} filled from values. */
export type Translate = (key: string, values?: Record<string, unknown>) => string;

/** One value per language, made on first use (formatters, translators, name lists). */
export const perLanguage = <T>(make: (language: Language) => T) => {
  const made = new Map<Language, T>();
  return (language: Language): T => {
    if (!made.has(language)) made.set(language, make(language));
    return made.get(language) as T;
  };
};

export const translator: (language: Language) => Translate = perLanguage((language) => i18n.getFixedT(language));

/** How many phrases `phrase` keeps per language before it starts afresh. */
const PHRASES_KEPT = 5000;

/**
 * A phrase, remembered per language, key and plain values (text, numbers): the resources
 * never change while the process runs, and a rendered page asks for hundreds — a label per
 * table cell, the same "Completed under PT1" in every row — which i18next resolves,
 * interpolates and pluralises afresh each time (a third of rendering the members table).
 * Values of any other kind are passed through. Readers' words (a search) make the set
 * unbounded, so it is emptied when full.
 */
export const phrase = perLanguage((language) => {
  const t = translator(language);
  const phrases = new Map<string, string>();
  return (key: string, values: Record<string, unknown> = {}): string => {
    let id = key;
    for (const name in values) {
      const value = values[name];
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return t(key, values);
      id += `\u0000${name}\u0000${typeof value}\u0000${String(value)}`;
    }
    let text = phrases.get(id);
    if (text === undefined) {
      if (phrases.size >= PHRASES_KEPT) phrases.clear();
      phrases.set(id, (text = t(key, values)));
    }
    return text;
  };
});

// Dates, numbers and percentages as each language writes them.

const dateFormat = perLanguage(
  (language) =>
    new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : language, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
);
const numberFormat = perLanguage((language) => new Intl.NumberFormat(language === 'en' ? 'en-GB' : language, { maximumFractionDigits: 2 }));
const percentFormat = perLanguage(
  (language) => new Intl.NumberFormat(language === 'en' ? 'en-GB' : language, { style: 'percent', maximumFractionDigits: 0 }),
);

/**
 * A formatter whose results are remembered per language and value: a page writes the same
 * few dates and counts over and over (the members table, 60 rows of a date and three counts:
 * 0.2 ms of Intl a render), and they never change. Bounded: emptied when full.
 */
function remembered<V>(format: (value: V, language: Language) => string): (value: V, language: Language) => string {
  const written = perLanguage(() => new Map<V, string>());
  return (value, language) => {
    const texts = written(language);
    let text = texts.get(value);
    if (text === undefined) {
      if (texts.size >= PHRASES_KEPT) texts.clear();
      texts.set(value, (text = format(value, language)));
    }
    return text;
  };
}

/** A calendar day ('YYYY-MM-DD') or an instant (ms since 1970), written out. */
const writtenDate = remembered((day: string | number, language) => {
  const date = new Date(typeof day === 'number' ? day : `${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? '' : dateFormat(language).format(date);
});

/** 'YYYY-MM-DD' (a calendar day) or a Date (an instant) as "5 December 2012", "5 décembre 2012", "5. Dezember 2012". */
export function formatDate(value: unknown, language: Language = 'en'): string {
  if (value instanceof Date) return writtenDate(value.getTime(), language);
  return typeof value === 'string' && value !== '' ? writtenDate(value, language) : '';
}

/** Formats an instant's time in UTC, saying so; with `withDate`, its day too. */
const instantFormat = (withDate: boolean) =>
  perLanguage(
    (language) =>
      new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : language, {
        ...(withDate ? { day: 'numeric', month: 'long', year: 'numeric' } : {}),
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'UTC',
        timeZoneName: 'short',
      }),
  );
const dateTimeFormat = instantFormat(true);
const timeFormat = instantFormat(false);
const isInstant = (value: unknown): value is Date => value instanceof Date && !Number.isNaN(value.getTime());

/** An instant with its time: "27 November 2026, 10:42 UTC". */
export const formatDateTime = (value: unknown, language: Language = 'en'): string =>
  isInstant(value) ? dateTimeFormat(language).format(value) : '';

/** Times already written, per language and minute: every signed-in page says when its session ends. */
const writtenTimes = perLanguage(() => new Map<number, string>());

/** The time of an instant: "10:42 UTC" (the same for every instant of that minute). */
export function formatTime(value: unknown, language: Language = 'en'): string {
  if (!isInstant(value)) return '';
  const minute = Math.floor(value.getTime() / 60_000);
  const written = writtenTimes(language);
  let text = written.get(minute);
  if (text === undefined) {
    // Bounded: a day of minutes at most, then start again.
    if (written.size >= 1440) written.clear();
    text = timeFormat(language).format(value);
    written.set(minute, text);
  }
  return text;
}

/** A stored percentage (0–100) as the share formatPercent takes; null stays null. */
export const shareOfPercent = (percent: number | null | undefined): number | null =>
  percent === null || percent === undefined ? null : percent / 100;

/** Percentages already written: a compiled report writes one for every update it lists (2–3 % of rendering it in Intl). */
const writtenPercent = remembered((share: number, language) => percentFormat(language).format(share));

/** A share between 0 and 1 as a whole percentage: "42%", "42 %". */
export function formatPercent(share: unknown, language: Language = 'en'): string {
  const number = Number(share);
  return share !== null && share !== '' && Number.isFinite(number) ? writtenPercent(number, language) : '–';
}

const writtenNumber = remembered((number: number, language) => numberFormat(language).format(number));

/** A number with the language's separators: "1,234.5", "1 234,5", "1.234,5". */
export function formatNumber(value: unknown, language: Language = 'en'): string {
  const number = Number(value);
  return value !== null && value !== '' && Number.isFinite(number) ? writtenNumber(number, language) : '';
}

/**
 * A message's values in the reader's language: a `date` (YYYY-MM-DD or an ISO instant)
 * formatted, a `what` ("report") and a report's `state` named. Every other value is data
 * and is filled in as it is, never read as a key.
 */
function localisedParams(language: Language, params: Record<string, unknown>): Record<string, unknown> {
  const t = translator(language);
  const out = { ...params };
  if (typeof out.date === 'string') out.date = formatDate(out.date.includes('T') ? new Date(out.date) : out.date, language);
  if (typeof out.what === 'string') out.what = t(`error.what.${out.what}`, { defaultValue: out.what });
  if (typeof out.state === 'string') out.state = t(`msg.stage.${out.state}`, { defaultValue: out.state });
  return out;
}

/**
 * A message a service or a form check gave as a key of the locale files
 * ('msg.enter_a_title', 'error.not_found'), in the reader's language, its
 * {{placeholders}} filled from params. Anything that is not a key (zod's own wording for
 * a tampered form) is shown as it is: never evaluated as a key path or a nesting.
 */
export function translateMessage(language: Language, key: string, params: Record<string, unknown> = {}): string {
  if (!/^(msg|error|status)\.[a-z0-9_.]+$/.test(key)) return key;
  return phrase(language)(key, { ...localisedParams(language, params), defaultValue: key });
}

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

const negotiateLanguage = perHeaderValue(
  'accept-language',
  (req): Language => {
    const accepted = req.acceptsLanguages(...LANGUAGES);
    return isLanguage(accepted) ? accepted : 'en';
  },
  'en',
);

/** The reader's language: the one they chose with the switch, else the best their browser asks for, else English. */
export function languageOf(req: Request): Language {
  const chosen = COOKIE_PATTERN.exec(req.headers.cookie ?? '')?.[1];
  if (isLanguage(chosen)) return chosen;
  return negotiateLanguage(req);
}

/**
 * Sets the language of everything this request renders: `req.language` and `req.t` for
 * routes, `lang` for the views, Content-Language for the response.
 */
export const useLanguage: RequestHandler = (req, res, next) => {
  const language = languageOf(req);
  req.language = language;
  req.t = phrase(language);
  res.locals.lang = language;
  res.locals.currentUrl = req.originalUrl;
  res.setHeader('Content-Language', language);
  next();
};

/** For a response shared caches may keep: it differs by the language cookie and Accept-Language. */
export const varyByLanguage = (res: Response) => res.setHeader('Vary', 'Accept-Encoding, Accept-Language, Cookie');

/** The switch, for the layout: every language, the current one marked, the others linking back to this page. */
export const languageSwitch = (current: Language, currentUrl: string) => {
  const back = encodeURIComponent(currentUrl);
  return LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code], current: code === current, href: `/language/${code}?back=${back}` }));
};

const regionNames = perLanguage((language) => new Intl.DisplayNames([language], { type: 'region', fallback: 'none' }));

/**
 * A member's name in the reader's language. English keeps the name the secretariat
 * recorded (it may differ from ISO's, e.g. a name at the time of joining); French and
 * German use the names CLDR gives for the ISO code, or the recorded name if it has none.
 */
export function countryName(code: string, recordedName: string, language: Language): string {
  if (language === 'en') return recordedName;
  try {
    return regionNames(language).of(code) ?? recordedName;
  } catch {
    return recordedName; // not a code CLDR can read
  }
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import i18next, { type TFunction } from 'i18next';
import { projectRoot } from '../paths';
import { notFound } from '../web/errors';
import { perHeaderValue } from '../web/per-header-value';

// The interface in English, French and German. Texts live in locales/<language>.json,
// one key per phrase; English is the fallback for a key a language lacks. What members
// wrote (report texts) is never translated.

export const LANGUAGES = ['en', 'fr', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, for the switch. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', fr: 'Français', de: 'Deutsch' };

export const LANGUAGE_COOKIE = 'lang';
const COOKIE_MAX_AGE_MS = 365 * 24 * 3600_000;
const COOKIE_PATTERN = new RegExp(`(?:^|;\\s*)${LANGUAGE_COOKIE}=(${LANGUAGES.join('|')})(?:;|$)`);

const localeFile = (name: string) => {
  const file = path.join(projectRoot, 'locales', name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
};

const i18n = i18next.createInstance();
void i18n.init({
  // `translation`: phrases by key. `messages`: what services and form checks say, keyed by
  // the English sentence itself (gettext style), since that is what they produce.
  resources: Object.fromEntries(LANGUAGES.map((language) => [language, { translation: localeFile(`${language}.json`), messages: localeFile(`${language}.messages.json`) }])),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  // Resources are in memory: initialise synchronously.
  initAsync: false,
  // Handlebars escapes what helpers return; escaping here too would show "&amp;".
  interpolation: { escapeValue: false },
  returnNull: false,
});

export type Translate = TFunction;

/** One value per language, made on first use (formatters, translators, name lists). */
export const perLanguage = <T>(make: (language: Language) => T) => {
  const made = new Map<Language, T>();
  return (language: Language): T => made.get(language) ?? made.set(language, make(language)).get(language)!;
};

export const translator: (language: Language) => Translate = perLanguage((language) => i18n.getFixedT(language));

/** The messages catalogue: keys are English sentences, so dots and colons are not separators. */
const MESSAGES = { ns: 'messages', keySeparator: false, nsSeparator: false } as const;

/**
 * A message written in English by a service or a form check ("Enter a title."), in the
 * reader's language. Its {{placeholders}} are filled from params; an English sentence
 * the catalogue lacks is shown as it is.
 */
export const translateMessage = (language: Language, english: string, params: Record<string, unknown> = {}): string =>
  i18n.t(english, { ...MESSAGES, lng: language, defaultValue: english, ...params });

/** Whether the catalogue says this English message in the language. */
export const hasMessage = (language: Language, english: string): boolean => i18n.exists(english, { ...MESSAGES, lng: language, fallbackLng: false });

export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

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
  req.t = translator(language);
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

/** A path on this site to go back to; anything else (another site, "//host") is the overview. */
const localPath = (value: unknown) => (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/');

/**
 * GET /language/:code?back=/path — the switch. It only sets a preference cookie (no
 * session, so public pages stay cacheable) and returns to the page the reader was on.
 */
export function languageRoutes(options: { production: boolean }): Router {
  const router = Router();
  router.get('/language/:code', (req, res) => {
    const code = String(req.params.code);
    if (!isLanguage(code)) throw notFound('language');
    res.cookie(LANGUAGE_COOKIE, code, { maxAge: COOKIE_MAX_AGE_MS, sameSite: 'lax', secure: options.production, httpOnly: true, path: '/' });
    res.set('Cache-Control', 'no-store');
    res.redirect(303, localPath(req.query.back));
  });
  return router;
}

import { perLanguage, type Language } from './index';

/**
 * Languages a member may write its report in (ISO 639-1): the EU's 24 and those of the
 * other members. A delegate states one per report; public pages mark the report's texts
 * with it. Any other language is left unstated rather than guessed.
 */
export const TEXT_LANGUAGES = [
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'es',
  'et',
  'fi',
  'fr',
  'ga',
  'hr',
  'hu',
  'it',
  'lt',
  'lv',
  'mt',
  'nl',
  'pl',
  'pt',
  'ro',
  'sk',
  'sl',
  'sv',
  'sq',
  'sr',
  'mk',
  'bs',
  'tr',
  'uk',
  'ka',
  'hy',
  'no',
  'is',
  'ar',
  'he',
  'ja',
  'ko',
  'th',
  'vi',
  'fil',
  'ms',
  'zh',
] as const;

/** The choices for the form, each named in the reader's language, in that language's order. */
export const textLanguageChoices = perLanguage((language): Array<{ value: string; label: string }> => {
  const collator = new Intl.Collator(language);
  return TEXT_LANGUAGES.map((code) => ({ value: code, label: textLanguageName(code, language) })).sort((a, b) =>
    collator.compare(a.label, b.label),
  );
});

const languageNames = perLanguage((language) => new Intl.DisplayNames([language], { type: 'language' }));

/** A stated language's name in the reader's language. */
export function textLanguageName(code: string, language: Language): string {
  return languageNames(language).of(code) ?? code;
}

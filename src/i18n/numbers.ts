import type { Language } from './index';

// Numbers as people write them in each interface language: "12,5" and "1 250" in French,
// "1.250" and "12,5" in German, "1,250" and "12.5" in English. Grouping is accepted only
// in groups of three, so "1,25" in English is refused rather than read as 125.

const SEPARATORS: Record<Language, { decimal: string[]; group: string[] }> = {
  en: { decimal: ['.'], group: [',', ' '] },
  // A French keyboard's numeric pad types a point: a lone point is read as the decimal sign.
  fr: { decimal: [',', '.'], group: [' '] },
  de: { decimal: [','], group: ['.', ' '] },
};

/** Spaces people use between digit groups: space, no-break space, narrow no-break space, thin space. */
const SPACES = /[\u0020\u00a0\u202f\u2009]/g;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The number written in the language's way, or null when the text is not one (empty
 * text is for the caller to decide). At most `decimals` digits after the decimal sign.
 */
export function parseLocalNumber(text: string, language: Language, decimals = 2): number | null {
  const written = text.trim().replace(SPACES, ' ');
  const { decimal, group } = SEPARATORS[language];
  for (const point of decimal) {
    for (const sep of ['', ...group.filter((mark) => mark !== point)]) {
      const integer = sep ? `\\d{1,3}(?:${escape(sep)}\\d{3})*` : '\\d+';
      const pattern = new RegExp(`^(${integer})(?:${escape(point)}(\\d{1,${decimals}}))?$`);
      const match = pattern.exec(written);
      if (!match) continue;
      const whole = (match[1] ?? '').split(sep || ' ').join('');
      return Number(`${whole}.${match[2] ?? '0'}`);
    }
  }
  return null;
}

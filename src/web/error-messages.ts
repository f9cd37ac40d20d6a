import { hasMessage, translateMessage, translator, type Language } from '../i18n';
import type { AppError } from './errors';
import { formatDate } from './view-helpers';

/**
 * An error's message in the reader's language, filled in with its params (a `what` named
 * in the language, a `date` formatted for it): its template or its message from the
 * messages catalogue when the catalogue has it, else the phrase error.<code> (several
 * messages may share a code), else the English message.
 */
export function errorMessage(error: AppError, language: Language): string {
  const t = translator(language);
  const params: Record<string, string> = { ...error.params };
  if (params.what) params.what = t(`error.what.${params.what}`, { defaultValue: params.what });
  if (params.date) params.date = formatDate(params.date.includes('T') ? new Date(params.date) : params.date, language);
  if (error.template) return translateMessage(language, error.template, params);
  if (language === 'en' || hasMessage(language, error.message)) return translateMessage(language, error.message, params);
  return t(`error.${error.code}`, { ...params, defaultValue: error.message });
}

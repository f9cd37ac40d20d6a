import { translateMessage, type Language } from '../i18n';
import type { AppError } from './errors';

/** An error's sentence in the reader's language, its values filled in. */
export const errorMessage = (error: AppError, language: Language): string => translateMessage(language, error.key, error.params);

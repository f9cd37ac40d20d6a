import { countryName, formatNumber, perLanguage, phrase, type Language } from './index';

/**
 * The reference data and fixed labels in one language: statuses, cycle kinds, regions,
 * members' names, and the wording of targets, goals and indicators. The database holds
 * the English wording (which admins may correct); French and German come from the
 * locale files, falling back to the database's English when a text has no translation.
 * Made once per language; each label is remembered (`phrase`), as a report page asks for
 * the same target's title in every row.
 */
export const labelsFor = perLanguage((language: Language) => {
  const t = phrase(language);
  // i18next reads dots in keys as nesting: goal "1.1" is stored as "1_1".
  const keyPart = (code: string) => code.replace(/\./g, '_');
  return {
    language,
    t,
    status: (code: string) => t(`status.${code}`),
    cycleKind: (kind: string) => t(`cycleKind.${kind}`),
    region: (region: string) => t(`region.${region}`, { defaultValue: region }),
    country: (code: string, recordedName: string) => countryName(code, recordedName, language),
    targetTitle: (code: string, title: string) => t(`ref.target.${code}.title`, { defaultValue: title }),
    targetDescription: (code: string, description: string) => t(`ref.target.${code}.description`, { defaultValue: description }),
    goal: (code: string, text: string) => t(`ref.goal.${keyPart(code)}`, { defaultValue: text }),
    indicatorName: (code: string, name: string) => t(`ref.indicator.${code}.name`, { defaultValue: name }),
    indicatorUnit: (code: string, unit: string) => t(`ref.indicator.${code}.unit`, { defaultValue: unit }),
    number: (value: unknown) => formatNumber(value, language),
    /** Orders names as a reader of this language expects (accents, "Ö" in German). */
    compareNames: new Intl.Collator(language).compare,
  };
});

export type Labels = ReturnType<typeof labelsFor>;

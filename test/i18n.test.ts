import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { DATASETS } from '../src/exports/datasets';
import { formatTime, phrase, translateMessage, translator } from '../src/i18n';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import {
  makeAction,
  makeCountry,
  makeCycle,
  makeIndicatorValue,
  makeReport,
  makeStocktaking,
  makeUpdate,
  makeUser,
} from './helpers/factories';
import { postForm, signIn } from './helpers/session';

// English, French and German: chosen from Accept-Language, switched and remembered with
// a cookie, set as lang on the page, with members' names, dates and numbers localised,
// and what members wrote marked with its own language.

const locale = (language: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'locales', `${language}.json`), 'utf8')) as Record<string, unknown>;

/** Every key path of a locale file ("site.nav.members"), plural forms folded into their base key. */
function keys(tree: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    value && typeof value === 'object'
      ? keys(value as Record<string, unknown>, `${prefix}${key}.`)
      : [`${prefix}${key.replace(/_(one|other)$/, '')}`],
  );
}

describe('the interface in three languages', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  const get = (url: string, headers: Record<string, string> = {}) => request(app).get(url).set(headers);

  it('writes a time the same for every instant of its minute, in each language, remembered or not', () => {
    const at = (iso: string) => new Date(iso);
    expect(formatTime(at('2026-11-27T10:42:00.000Z'), 'en')).toBe('10:42 UTC');
    expect(formatTime(at('2026-11-27T10:42:59.999Z'), 'en')).toBe('10:42 UTC');
    expect(formatTime(at('2026-11-27T10:43:00.000Z'), 'en')).toBe('10:43 UTC');
    expect(formatTime(at('2026-11-27T10:42:30.000Z'), 'de')).toBe('10:42 UTC');
    expect(formatTime(at('1969-12-31T23:59:30.000Z'), 'fr')).toBe('23:59 UTC');
    expect(formatTime(at('not a date'), 'en')).toBe('');
    expect(formatTime(null, 'en')).toBe('');
  });

  it('has every English phrase in French and German, and no phrase English lacks', () => {
    const english = new Set(keys(locale('en')));
    for (const language of ['fr', 'de']) {
      // ref.* and openData.set.* translate reference data whose English is in the database.
      const translated = new Set(keys(locale(language)).filter((key) => !key.startsWith('ref.') && !key.startsWith('openData.set.')));
      expect([language, [...english].filter((key) => !translated.has(key))]).toEqual([language, []]);
      expect([language, [...translated].filter((key) => !english.has(key))]).toEqual([language, []]);
    }
  });

  it('has an English phrase for every key the views use', () => {
    const english = new Set(keys(locale('en')));
    const views = readdirSync(path.join(__dirname, '..', 'views'), { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.hbs'),
    );
    const used = views.flatMap((file) =>
      [...readFileSync(path.join(__dirname, '..', 'views', file), 'utf8').matchAll(/\{\{t "([^"]+)"/g)].map(
        (match) => `${file}: ${match[1]}`,
      ),
    );
    expect(used.length).toBeGreaterThan(300);
    expect(used.filter((entry) => !english.has(entry.split(': ')[1]!))).toEqual([]);
  });

  it('has no English phrase that nothing uses', () => {
    const sources = [path.join(__dirname, '..', 'views'), path.join(__dirname, '..', 'src')].flatMap((root) =>
      readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.(hbs|ts)$/.test(file))
        .map((file) => readFileSync(path.join(root, file), 'utf8')),
    );
    const corpus = sources.join('\n');
    // Keys built at run time from a code: status.<status>, region.<region>, error.<code>...
    const built = [
      'status.',
      'region.',
      'cycleKind.',
      'cycleState.',
      'reportState.',
      'role.',
      'error.',
      'overview.sort.',
      'ref.',
      'openData.set.',
      'dictionary.types.',
      'msg.stage.',
      'msg.workflow.',
      'msg.enter_date.',
      'msg.real_date.',
      'msg.real_date_or_empty.',
      'msg.not_text.',
      'msg.too_long.',
      'mail.',
      'ui.review_report.flag.',
      'ui.review_report.state.',
      'ui.review_queue.sort.',
      'ui.workspace.status.',
      'ui.workspace.confirm.',
      'ui.workspace.section.',
    ];
    const unused = [...new Set(keys(locale('en')))].filter(
      (key) =>
        !built.some((prefix) => key.startsWith(prefix)) && !['"', "'", '`'].some((quote) => corpus.includes(`${quote}${key}${quote}`)),
    );
    expect(unused).toEqual([]);
  });

  it('keeps every placeholder of every English phrase in French and German', () => {
    const phrases = (tree: Record<string, unknown>, prefix = ''): Array<[string, string]> =>
      Object.entries(tree).flatMap(([key, value]) =>
        value && typeof value === 'object'
          ? phrases(value as Record<string, unknown>, `${prefix}${key}.`)
          : [[`${prefix}${key}`, String(value)] as [string, string]],
      );
    const placeholders = (text: string) => (text.match(/\{\{\w+\}\}/g) ?? []).sort();
    const english = new Map(phrases(locale('en')));
    for (const language of ['fr', 'de']) {
      for (const [key, translated] of phrases(locale(language))) {
        if (!english.has(key)) continue;
        expect([language, key, placeholders(translated)]).toEqual([language, key, placeholders(english.get(key)!)]);
      }
    }
  });

  it('writes French with a narrow no-break space before : ; ! ? and inside « »', () => {
    const texts = (tree: Record<string, unknown>): string[] =>
      Object.values(tree).flatMap((value) =>
        value && typeof value === 'object' ? texts(value as Record<string, unknown>) : [String(value)],
      );
    const french = texts(locale('fr'));
    // A plain or no-break space, or none at all after a word, before the high punctuation.
    const wrong = french.filter((text) =>
      /[ \u00a0][:;!?]|[\p{L}\d)»][;!?]|[\p{L}»][:](?!\/\/)|«[^\u202f]|[^\u202f]»/u.test(text.replace(/\{\{[^}]*\}\}/g, 'x')),
    );
    expect(wrong).toEqual([]);
    expect(french.filter((text) => text.includes('\u202f:')).length).toBeGreaterThan(20);
  });

  it('uses each language’s plural rules: one member, 0 membre in French, 0 members in English', () => {
    const members = (language: 'en' | 'fr' | 'de', count: number) => translator(language)('overview.figureMembers', { count });
    expect(members('en', 1)).toBe('member');
    expect(members('en', 0)).toBe('members');
    // French treats 0 and 1 as singular.
    expect(members('fr', 0)).toBe('membre');
    expect(members('fr', 2)).toBe('membres');
    expect(members('de', 1)).toBe('Mitglied');
    expect(members('de', 0)).toBe('Mitglieder');
  });

  it('has no English-keyed catalogue any more: services and form checks give keys', () => {
    expect(readdirSync(path.join(__dirname, '..', 'locales')).sort()).toEqual(['de.json', 'en.json', 'fr.json']);
  });

  it('explains every column of the data dictionary in French and German', () => {
    const descriptions = DATASETS.flatMap((dataset) => dataset.columns.map((column) => column.description));
    expect(descriptions.length).toBeGreaterThan(40);
    for (const language of ['fr', 'de'] as const) {
      expect([
        language,
        descriptions.filter(
          (key) => translateMessage(language, key) === translateMessage('en', key) || translateMessage(language, key) === key,
        ),
      ]).toEqual([language, []]);
    }
  });

  it('puts the narrow space before a colon the views write between a code and its title, in French only', async () => {
    const mainText = async (path: string, language: string) =>
      cheerio
        .load((await get(path, { 'Accept-Language': language })).text)('main')
        .text();
    for (const path of ['/', '/targets/PT1', '/open-data/dictionary']) {
      expect(await mainText(path, 'fr')).not.toMatch(/[\p{L}\d]:/u);
      expect(await mainText(path, 'en')).toMatch(/[\p{L}\d]: /u);
    }
  });

  it('follows Accept-Language, sets lang and Content-Language, and falls back to English', async () => {
    const french = await get('/countries', { 'Accept-Language': 'fr-CH, fr;q=0.9, en;q=0.5' });
    const $ = cheerio.load(french.text);
    expect($('html').attr('lang')).toBe('fr');
    expect(french.headers['content-language']).toBe('fr');
    expect(french.headers.vary).toEqual(expect.stringContaining('Accept-Language'));
    expect($('h1').text()).toBe('Membres');
    expect($('.govuk-service-navigation').text()).toContain('Cycles de rapport');
    expect($('a[href="/countries/DE"]').text()).toBe('Allemagne');

    const german = cheerio.load((await get('/countries', { 'Accept-Language': 'de-AT' })).text);
    expect(german('html').attr('lang')).toBe('de');
    expect(german('a[href="/countries/AT"]').text()).toBe('Österreich');

    for (const header of ['es-ES, it;q=0.8', '', '*;q=0']) {
      expect(
        cheerio
          .load((await get('/countries', header ? { 'Accept-Language': header } : {})).text)('html')
          .attr('lang'),
      ).toBe('en');
    }
  });

  it('orders members by their names in the reader’s language', async () => {
    const names = (html: string) => {
      const $ = cheerio.load(html);
      return $('#members tbody th a')
        .map((_, link) => $(link).text())
        .get();
    };
    const german = names((await get('/countries?region=Europe', { 'Accept-Language': 'de' })).text);
    expect(german.indexOf('Österreich')).toBeGreaterThan(german.indexOf('Niederlande'));
    expect(german.indexOf('Österreich')).toBeLessThan(german.indexOf('Polen'));
    expect([...german].sort(new Intl.Collator('de').compare)).toEqual(german);
  });

  it('localises dates and numbers', async () => {
    const country = await makeCountry(database.db, { joined_on: '2012-12-05' });
    const cycle = await makeCycle(database.db, { kind: 'progress', opens_on: '2034-01-01', due_on: '2034-03-31', closes_on: '2034-06-30' });
    const report = await makeReport(database.db, country.code, cycle.id, 'accepted');
    await makeIndicatorValue(database.db, report.id, 'cases_investigated', 1234567);
    const pages = {
      en: cheerio.load((await get(`/countries/${country.code}`)).text),
      fr: cheerio.load((await get(`/countries/${country.code}`, { 'Accept-Language': 'fr' })).text),
      de: cheerio.load((await get(`/countries/${country.code}`, { 'Accept-Language': 'de' })).text),
    };
    expect(pages.en('.summary').text()).toContain('5 December 2012');
    expect(pages.fr('.summary').text()).toContain('5 décembre 2012');
    expect(pages.de('.summary').text()).toContain('5. Dezember 2012');
    expect(pages.en('section[aria-labelledby=indicators]').text()).toContain('1,234,567');
    expect(pages.fr('section[aria-labelledby=indicators]').text()).toContain('1\u202f234\u202f567');
    expect(pages.de('section[aria-labelledby=indicators]').text()).toContain('1.234.567');
    expect(pages.de('section[aria-labelledby=indicators]').text()).toContain('Ermittelte Fälle');
  });

  it('switches language with a link that remembers the choice in a cookie, over Accept-Language, and returns to the page', async () => {
    const page = cheerio.load((await get('/cycles', { 'Accept-Language': 'fr' })).text);
    const link = page('.govuk-language-navigation a[lang="de"]').attr('href')!;
    expect(link).toBe('/language/de?back=%2Fcycles');
    expect(page('.govuk-language-navigation [aria-current]').text()).toBe('Français');

    const switched = await get(link);
    expect(switched.status).toBe(303);
    expect(switched.headers.location).toBe('/cycles');
    const cookie = switched.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^lang=de;/);
    expect(cookie).toMatch(/Max-Age=31536000/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const remembered = await get('/cycles', { Cookie: 'lang=de', 'Accept-Language': 'fr' });
    expect(cheerio.load(remembered.text)('h1').text()).toBe('Berichtszyklen');
    // A stale or forged cookie is ignored.
    expect(
      cheerio
        .load((await get('/cycles', { Cookie: 'lang=xx', 'Accept-Language': 'fr' })).text)('html')
        .attr('lang'),
    ).toBe('fr');
  });

  it('never redirects the switch off the site, and answers 404 for a language it does not have', async () => {
    for (const back of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '']) {
      const response = await get(`/language/fr?back=${encodeURIComponent(back)}`);
      expect([back, response.status, response.headers.location]).toEqual([back, 303, '/']);
    }
    const array = await get('/language/fr?back=/a&back=/b');
    expect([array.status, array.headers.location]).toEqual([303, '/']);
    const injected = await get('/language/fr?back=%2Fcycles%0D%0ASet-Cookie%3A%20x%3Dy');
    expect(injected.headers.location).toBe('/cycles%0D%0ASet-Cookie:%20x=y');
    expect(injected.headers['set-cookie']).toHaveLength(1);
    const unknown = await get('/language/es?back=/');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  it('keeps a cached copy and an ETag per language, and tells caches the page varies', async () => {
    const english = await get('/');
    const french = await get('/', { 'Accept-Language': 'fr' });
    expect(cheerio.load(english.text)('h1').text()).toBe('The Alliance at a glance');
    expect(cheerio.load(french.text)('h1').text()).toBe('L’Alliance en un coup d’œil');
    expect(french.headers.etag).not.toBe(english.headers.etag);
    expect((await get('/', { 'Accept-Language': 'fr', 'If-None-Match': english.headers.etag! })).status).toBe(200);
    expect((await get('/', { 'Accept-Language': 'fr', 'If-None-Match': french.headers.etag! })).status).toBe(304);
    expect(french.headers.vary).toEqual(expect.stringMatching(/Accept-Language.*Cookie|Cookie.*Accept-Language/));
    expect(
      cheerio
        .load((await get('/', { 'Accept-Language': 'fr' })).text)('h1')
        .text(),
    ).toBe('L’Alliance en un coup d’œil');
  });

  it('translates error pages and the feed', async () => {
    const missing = await get('/countries/QQ', { 'Accept-Language': 'de' });
    expect(missing.status).toBe(404);
    const $ = cheerio.load(missing.text);
    expect($('h1').text()).toBe('Seite nicht gefunden');
    expect($('.lead').text()).toBe('Das Gesuchte (Mitglied) wurde nicht gefunden.');
    const feed = await get('/feed.atom', { 'Accept-Language': 'fr' });
    expect(feed.text).toContain('xml:lang="fr"');
    expect(feed.text).toContain('rapports acceptés');
  });

  it('marks what a member wrote with the language its report states, whatever the interface language', async () => {
    const country = await makeCountry(database.db);
    const commitmentsCycle = await makeCycle(database.db, { opens_on: '2035-01-01', due_on: '2035-03-31', closes_on: '2035-06-30' });
    const progressCycle = await makeCycle(database.db, {
      kind: 'progress',
      opens_on: '2036-01-01',
      due_on: '2036-03-31',
      closes_on: '2036-06-30',
    });
    const commitments = await makeReport(database.db, country.code, commitmentsCycle.id, 'accepted');
    await database.db('reports').where({ id: commitments.id }).update({ text_language: 'fr' });
    await makeStocktaking(database.db, commitments.id, 'PT1');
    const action = await makeAction(database.db, commitments, { target_code: 'PT1' });
    const progress = await makeReport(database.db, country.code, progressCycle.id, 'accepted');
    await makeUpdate(database.db, progress, action.id, { status: 'in_progress', percent_complete: 50 });

    const $ = cheerio.load((await get(`/countries/${country.code}`, { 'Accept-Language': 'de' })).text);
    expect($('html').attr('lang')).toBe('de');
    expect(
      $('.action__title')
        .filter((_, title) => $(title).text() === action.title)
        .attr('lang'),
    ).toBe('fr');
    expect($('.baseline dd').first().attr('lang')).toBe('fr');
    // The progress report states no language: its narrative is not marked.
    expect($('.action__narrative span[lang]').length).toBe(0);
  });

  it('lets the delegate state the language of the report’s texts, and refuses a language not on the list', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open' });
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const agent = await signIn(app, delegate.email);
    const base = `/reports/${country.code}/${cycle.slug}`;

    const refused = await postForm(agent, `${base}/about`, `${base}/about`, { version: 0, text_language: 'xx' });
    expect(refused.status).toBe(422);
    expect(cheerio.load(refused.text)('#about-text_language-error').text()).toContain('Choose a language from the list');
    expect(await database.db('reports').where({ country_code: country.code }).first()).toBeUndefined();

    const saved = await postForm(agent, `${base}/about`, `${base}/about`, { version: 0, text_language: 'de', contributors: 'Jane Roe' });
    expect(saved.status).toBe(303);
    const report = await database.db('reports').where({ country_code: country.code }).first();
    expect(report).toMatchObject({ text_language: 'de', contributors: 'Jane Roe' });
    expect(
      await database.db('audit_events').where({ verb: 'report.about_saved', country_code: country.code }).count('* as n').first(),
    ).toEqual({ n: 1 });
    const edit = cheerio.load((await agent.get(`${base}/about`)).text);
    expect(edit('#about-text_language option[selected]').attr('value')).toBe('de');
  });

  it('tells a delegate what is wrong, what was saved and why a report is locked, in their language', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open' });
    const closed = await makeCycle(database.db, { state: 'closed', closes_on: '2030-12-31' });
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const agent = await signIn(app, delegate.email);
    agent.set('Cookie', 'lang=fr');
    const base = `/reports/${country.code}/${cycle.slug}`;

    const invalid = await postForm(agent, base, `${base}/actions`, {
      version: 0,
      title: '',
      target: 'PT9',
      due_on: '2014-02-31',
    });
    expect(invalid.status).toBe(422);
    const summary = cheerio.load(invalid.text)('.govuk-error-summary');
    expect(summary.find('h2').text()).toBe('Un problème est survenu');
    expect(summary.text()).toContain('Saisissez un titre pour l’action.');
    expect(summary.text()).toContain('Saisissez une date réelle, par exemple 2014-12-31.');

    const saved = await postForm(agent, `${base}/about`, `${base}/about`, { version: 0, text_language: 'fr' });
    const after = cheerio.load((await agent.get(saved.headers.location!)).text);
    expect(after('.govuk-notification-banner__heading').text()).toBe('Enregistré.');
    expect(
      cheerio
        .load((await agent.get(`${base}/about`)).text)('#about-text_language option[selected]')
        .text(),
    ).toBe('français');

    agent.set('Cookie', 'lang=de');
    const locked = cheerio.load((await agent.get(`/reports/${country.code}/${closed.slug}`)).text);
    expect(locked('#lock-reason p').text()).toBe(
      'Dieser Berichtszyklus wurde am 31. Dezember 2030 geschlossen: Berichte können nicht mehr geändert werden.',
    );
  });
});

describe('phrases with values, remembered', () => {
  it('says what i18next says for every language, count and value, however often it is asked', () => {
    for (const language of ['en', 'fr', 'de'] as const) {
      const t = translator(language);
      for (const count of [0, 1, 2, 1234, 1, 0]) {
        expect(phrase(language)('search.results', { count, words: 'hotline' })).toBe(t('search.results', { count, words: 'hotline' }));
      }
      // The same words as a number or as text are different values.
      expect(phrase(language)('overview.completedUnder', { target: 'PT1' })).toBe(t('overview.completedUnder', { target: 'PT1' }));
      expect(phrase(language)('overview.completedUnder', { target: 'PT2' })).toBe(t('overview.completedUnder', { target: 'PT2' }));
    }
    expect(phrase('fr')('search.results', { count: 1234, words: 'x' })).toBe('1\u202f234 actions publiées contiennent «\u202fx\u202f».');
  });

  it('stays right across emptying its memory (thousands of different search words)', () => {
    for (let n = 0; n < 6000; n++) {
      expect(phrase('en')('search.titleFor', { words: `word ${n}` })).toBe(`Actions matching “word ${n}”`);
    }
  });
});

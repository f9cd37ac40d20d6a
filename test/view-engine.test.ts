import * as cheerio from 'cheerio';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { handlebarsViews } from '../src/web/view-engine';

// The view engine on its own views: pages inside their layout, partials by file name,
// helpers, and templates read afresh on every render only when Express's view cache is off.

let viewsDir: string;
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(viewsDir, file)), { recursive: true });
  writeFileSync(path.join(viewsDir, file), text);
};

beforeEach(() => {
  viewsDir = mkdtempSync(path.join(os.tmpdir(), 'views-'));
  write('layouts/main.hbs', '<main>{{{body}}}</main>\n');
  write('layouts/bare.hbs', '[{{{body}}}]');
  write('partials/greeting.hbs', 'Hello {{shout name}}\n');
  write('page.hbs', '  {{> greeting}}, {{title}}  ');
});
afterEach(() => {
  rmSync(viewsDir, { recursive: true, force: true });
});

function render(engine: ReturnType<typeof handlebarsViews>, options: object): Promise<string> {
  return new Promise((resolve, reject) => {
    engine(path.join(viewsDir, 'page.hbs'), options, (error, html) => {
      if (error) reject(error);
      else resolve(html ?? '');
    });
  });
}

const engine = () => handlebarsViews({ viewsDir, defaultLayout: 'main', helpers: { shout: (text: string) => text.toUpperCase() } });

test('renders a page with its partials and helpers inside the default layout, escaping values', async () => {
  expect(await render(engine(), { cache: true, name: 'Ana', title: '<b>' })).toBe('<main>Hello ANA, &lt;b&gt;</main>');
});

test('renders inside another layout, or none', async () => {
  const views = engine();
  expect(await render(views, { cache: true, name: 'a', title: 't', layout: 'bare' })).toBe('[Hello A, t]');
  expect(await render(views, { cache: true, name: 'a', title: 't', layout: false })).toBe('Hello A, t');
});

test('with the view cache on, templates are compiled once; with it off, edits show at once', async () => {
  const cached = engine();
  const fresh = engine();
  expect(await render(cached, { cache: true, name: 'a', title: 't' })).toBe('<main>Hello A, t</main>');
  expect(await render(fresh, { cache: false, name: 'a', title: 't' })).toBe('<main>Hello A, t</main>');
  write('partials/greeting.hbs', 'Bonjour {{name}}');
  expect(await render(cached, { cache: true, name: 'a', title: 't' })).toBe('<main>Hello A, t</main>');
  expect(await render(fresh, { cache: false, name: 'a', title: 't' })).toBe('<main>Bonjour a, t</main>');
});

test('a missing partial or layout is an error passed to Express, not a blank page', async () => {
  write('page.hbs', '{{> nowhere}}');
  await expect(render(engine(), { cache: true })).rejects.toThrow(/nowhere/);
  write('page.hbs', 'fine');
  await expect(render(engine(), { cache: true, layout: 'gone' })).rejects.toThrow(/gone\.hbs/);
});

test('a partial on a line of its own leaves text of several lines as it is (a textarea gives back what was typed)', async () => {
  write('partials/field.hbs', '<textarea>{{text}}</textarea>\n<pre>{{text}}</pre>');
  write('page.hbs', '<form>\n    {{> field}}\n</form>');
  const text = 'First line.\n  indented by its writer\n\nLast line.';
  const html = await render(engine(), { cache: true, text, layout: false });
  expect(html).toContain(`<textarea>${text}</textarea>`);
  expect(html).toContain(`<pre>${text}</pre>`);
});

test('pages are Latin-1: characters past it, typed or in a template, are written as references, held at one byte a character', async () => {
  write('page.hbs', '<p title="{{title}}">{{title}} – {{shout "d’état"}}</p><textarea>{{text}}</textarea>');
  const html = await render(engine(), { cache: true, layout: false, title: 'Côte d’Ivoire <b>', text: 'Ligne d’écoute 😀\nŁódź' });
  expect(html).toBe(
    '<p title="Côte d&#x2019;Ivoire &lt;b&gt;">Côte d&#x2019;Ivoire &lt;b&gt; &#x2013; D&#x2019;ÉTAT</p>' +
      '<textarea>Ligne d&#x2019;écoute &#x1F600;\n&#x141;ód&#x17A;</textarea>',
  );
  // What browsers read: the text as typed.
  const $ = cheerio.load(html);
  expect($('p').attr('title')).toBe('Côte d’Ivoire <b>');
  expect($('textarea').text()).toBe('Ligne d’écoute 😀\nŁódź');
  // V8 writes a one-byte string with the tag '"' and a two-byte one with 'c' (after its header).
  expect(String.fromCharCode(v8.serialize(html)[2]!)).toBe('"');
});

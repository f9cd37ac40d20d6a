import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';
import Handlebars, { type HelperDeclareSpec, type TemplateDelegate } from 'handlebars';
import { latin1Template, writeInLatin1 } from './latin1';

type ViewsOptions = { viewsDir: string; helpers: HelperDeclareSpec; defaultLayout: string };
type RenderOptions = { cache?: boolean; layout?: string | false };
type Views = { render(filePath: string, context: object): string; layout(name: string): TemplateDelegate };

/**
 * The Express view engine: Handlebars templates under `views/`, every file of
 * `views/partials` a partial named after it, and each page inside `views/layouts/<layout>`
 * (the default unless a render passes `layout: false` or another name).
 *
 * express-handlebars did the same, but on every render it listed and resolved each partial,
 * the view and the layout again through a dozen promises: a tenth of a signed-in page's CPU
 * time (measured with --cpu-prof). Here, with Express's `view cache` on, everything is
 * compiled once; with it off (development), every render reads the files afresh so edits
 * show at once.
 */
export function handlebarsViews({ viewsDir, helpers, defaultLayout }: ViewsOptions) {
  let kept: Views | undefined;
  return (filePath: string, options: object, done: (error: Error | null, html?: string) => void): void => {
    try {
      const { cache, layout = defaultLayout } = options as RenderOptions;
      const views = cache ? (kept ??= compileViews(viewsDir, helpers)) : compileViews(viewsDir, helpers);
      const body = views.render(filePath, options);
      done(
        null,
        layout === false
          ? body
          : views
              .layout(layout)({ ...options, body })
              .trim(),
      );
    } catch (error) {
      done(error as Error);
    }
  };
}

/**
 * A partial called on a line of its own is not indented to match that line: Handlebars would
 * indent every line of its output, text typed by a user included, so a delegate's narrative
 * of several lines came back in its textarea with each line after the first indented — and
 * saved so, the indent added again at each save.
 */
const COMPILE_OPTIONS = { preventIndent: true };

function compileViews(viewsDir: string, helpers: HelperDeclareSpec): Views {
  const handlebars = Handlebars.create();
  writeInLatin1(handlebars);
  handlebars.registerHelper(helpers);
  const compile = (file: string) => handlebars.compile(latin1Template(handlebars, readFileSync(file, 'utf8').trim()), COMPILE_OPTIONS);
  const partialsDir = path.join(viewsDir, 'partials');
  for (const file of readdirSync(partialsDir).filter((name) => name.endsWith('.hbs')))
    handlebars.registerPartial(path.basename(file, '.hbs'), compile(path.join(partialsDir, file)));
  const templates = new Map<string, TemplateDelegate>();
  const template = (filePath: string) => {
    let compiled = templates.get(filePath);
    if (!compiled) templates.set(filePath, (compiled = compile(filePath)));
    return compiled;
  };
  return {
    render: (filePath, context) => template(filePath)(context).trim(),
    layout: (name) => template(path.join(viewsDir, 'layouts', `${name}.hbs`)),
  };
}

/** A view rendered to a string through Express (its locals, engine and view cache), for a page kept for later. */
export const renderToString = (res: Response, view: string, locals: Record<string, unknown>) =>
  new Promise<string>((resolve, reject) => {
    res.render(view, locals, (error: Error | null, html?: string) => {
      if (error) reject(error);
      else resolve(html ?? '');
    });
  });

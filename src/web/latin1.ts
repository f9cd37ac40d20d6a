import Handlebars from 'handlebars';

/**
 * Pages are written in Latin-1: any other character, in a template's text or in a value it
 * prints, is written as a character reference (`’` as `&#x2019;`), which browsers read as the
 * character itself, in text, attributes, titles and text areas alike. Why: V8 keeps a string at
 * one byte a character only while all of it is Latin-1. A page is built as a rope of thousands of
 * pieces and flattened into one string to be sent; one en dash (or French's narrow no-break
 * space) made the whole of it two bytes a character, and past 64 K characters such a string is
 * allocated in V8's large-object space — fresh memory, each page of it faulted in on first touch
 * (very dear in a virtual machine: 19 µs a page here). The members table's content, 69 K
 * characters, took 0.8 ms to flatten in two bytes and 0.06 in one; its whole render 3.6–4.8 →
 * 2.4–3.8 ms of CPU side by side.
 */
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};
const NEEDS_ESCAPING = /[&<>"'`=\u0100-\uffff]/;
const ESCAPED = /[&<>"'`=]|[^\0-\xff]/gu;
const BEYOND_LATIN1 = /[^\0-\xff]/gu;
/** Whether text holds anything past Latin-1 (BEYOND_LATIN1 is global, and a global regex's test moves on). */
const HAS_BEYOND_LATIN1 = /[^\0-\xff]/;
const reference = (character: string) => HTML_ESCAPES[character] ?? `&#x${(character.codePointAt(0) ?? 0).toString(16).toUpperCase()};`;
/** Text with characters replaced by their references, at one byte a character (a replace on a two-byte string may return two bytes however Latin-1 its result). */
const replacedInLatin1 = (text: string, characters: RegExp) =>
  Buffer.from(text.replace(characters, reference), 'latin1').toString('latin1');

/**
 * Short text past Latin-1 escaped once and kept (French's phrases come back on every page with
 * their apostrophes and narrow spaces: escaped afresh, a French members table rendered slower than
 * before); at most this many, of at most this length.
 */
const KEPT_AT_MOST = 5_000;
const KEPT_LENGTH = 200;
const keptEscapes = new Map<string, string>();

/** Handlebars' escapeExpression (the same references for its characters; SafeStrings as they are), and references for what is past Latin-1. */
function escapeToLatin1(value: unknown): string {
  if (value == null) return '';
  if (typeof (value as { toHTML?: unknown }).toHTML === 'function') return (value as { toHTML(): string }).toHTML();
  // Numbers and booleans as Handlebars prints them; an object as Handlebars would too.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  const text = typeof value === 'string' ? value : String(value);
  if (!NEEDS_ESCAPING.test(text)) return text;
  if (text.length > KEPT_LENGTH || !HAS_BEYOND_LATIN1.test(text)) return replacedInLatin1(text, ESCAPED);
  let escaped = keptEscapes.get(text);
  if (escaped === undefined) {
    if (keptEscapes.size >= KEPT_AT_MOST) keptEscapes.clear();
    keptEscapes.set(text, (escaped = replacedInLatin1(text, ESCAPED)));
  }
  return escaped;
}

/** Writes a template's own text in Latin-1. */
class Latin1Text extends Handlebars.Visitor {
  override ContentStatement(content: Parameters<Handlebars.Visitor['ContentStatement']>[0]) {
    if (HAS_BEYOND_LATIN1.test(content.value)) content.value = replacedInLatin1(content.value, BEYOND_LATIN1);
  }
}

/** What of Handlebars' JavaScriptCompiler is used here: its opcode for an escaped value and the helpers that one calls. */
type Compiler = {
  compiler: unknown;
  appendEscaped(): void;
  pushSource(source: unknown): void;
  appendToBuffer(source: unknown[]): unknown;
  aliasable(name: string): unknown;
  popStack(): unknown;
};
type CompilerClass = new () => Compiler;
/**
 * Where compiled templates find escapeToLatin1: among the helpers, which every compiled program
 * is given, as an object's method (Handlebars wraps a function helper to add to its last argument).
 */
const ESCAPING = 'latin1Escaping';

/**
 * Handlebars' compiler with `{{value}}` escaped by escapeToLatin1. Its compiled code calls the
 * runtime's own escapeExpression, which no option replaces; a subclass of JavaScriptCompiler is
 * how Handlebars lets compiled forms be changed (its nested programs are compiled by `compiler`).
 */
function latin1Compiler(Base: CompilerClass): CompilerClass {
  class Latin1Compiler extends Base {
    override appendEscaped() {
      this.pushSource(this.appendToBuffer([this.aliasable(`helpers.${ESCAPING}.escape`), '(', this.popStack(), ')']));
    }
  }
  Latin1Compiler.prototype.compiler = Latin1Compiler;
  return Latin1Compiler;
}

/** Sets a Handlebars environment to write every value its templates print in Latin-1 (before it compiles any). */
export function writeInLatin1(handlebars: typeof Handlebars): void {
  const environment = handlebars as unknown as { JavaScriptCompiler: CompilerClass };
  environment.JavaScriptCompiler = latin1Compiler(environment.JavaScriptCompiler);
  Object.assign(handlebars.helpers, { [ESCAPING]: { escape: escapeToLatin1 } });
}

/** A template parsed, its own text (not its mustaches' arguments) in Latin-1. */
export function latin1Template(handlebars: typeof Handlebars, source: string) {
  const template = handlebars.parse(source);
  new Latin1Text().accept(template);
  return template;
}

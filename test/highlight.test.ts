import { highlight, searchTerms } from '../src/public/highlight';

const marked = (text: string, query: string) =>
  highlight(text, searchTerms(query))
    .map((part) => (part.mark ? `[${part.text}]` : part.text))
    .join('');

describe('highlighting the words searched for', () => {
  it('marks whole words in any case, in any language', () => {
    expect(marked('A national Hotline; hotlines and the HOTLINE.', 'hotline')).toBe('A national [Hotline]; hotlines and the [HOTLINE].');
    expect(marked('Ligne d’écoute pour les enfants', 'écoute enfants')).toBe('Ligne d’[écoute] pour les [enfants]');
    expect(marked('Straße und Maßnahme', 'STRASSE maßnahme')).toBe('Straße und [Maßnahme]');
  });

  it('ignores the search operators and marks nothing for "without" words', () => {
    expect(searchTerms('"national hotline" or police -europol')).toEqual(['national', 'hotline', 'police']);
    // A hyphen inside a word is part of it, not "without".
    expect(marked('Campaign 110-e8 and 110 more', '110-e8')).toBe('Campaign [110-e8] and [110] more');
    expect(marked('Europol and the police', 'police -europol')).toBe('Europol and the [police]');
  });

  it('leaves text that looks like a pattern alone', () => {
    expect(marked('a (b) c.*', '(b) .*')).toBe('a ([b]) c.*');
    expect(highlight('', ['x'])).toEqual([{ text: '', mark: false }]);
  });
});

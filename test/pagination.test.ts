import { paginate } from '../src/web/pagination';

const href = (page: number) => `/list?page=${page}`;
const shown = (page: number, pages: number) =>
  paginate(page, pages, href)?.items.map((item) => ('ellipsis' in item ? '…' : item.current ? `[${item.number}]` : String(item.number)));

describe('paginate', () => {
  it('is nothing for a single page', () => {
    expect(paginate(1, 1, href)).toBeNull();
    expect(paginate(1, 0, href)).toBeNull();
  });

  it('shows the first, last, current and neighbouring pages with gaps between', () => {
    expect(shown(1, 3)).toEqual(['[1]', '2', '3']);
    expect(shown(1, 10)).toEqual(['[1]', '2', '…', '10']);
    expect(shown(5, 10)).toEqual(['1', '…', '4', '[5]', '6', '…', '10']);
    expect(shown(3, 10)).toEqual(['1', '2', '[3]', '4', '…', '10']);
    expect(shown(10, 10)).toEqual(['1', '…', '9', '[10]']);
  });

  it('links previous and next only where they exist', () => {
    expect(paginate(1, 4, href)).toMatchObject({ previous: null, next: '/list?page=2' });
    expect(paginate(4, 4, href)).toMatchObject({ previous: '/list?page=3', next: null });
  });
});

/**
 * The links of a paged list, for GOV.UK's pagination component: previous and next, the
 * first and last page, the current one and its neighbours, and gaps ("…") between.
 * Returns null when everything fits on one page.
 */
export interface PaginationView {
  page: number;
  pages: number;
  previous: string | null;
  next: string | null;
  items: Array<{ number: number; href: string; current: boolean } | { ellipsis: true }>;
}

export function paginate(page: number, pages: number, hrefFor: (page: number) => string): PaginationView | null {
  if (pages <= 1) return null;
  const shown = [...new Set([1, page - 1, page, page + 1, pages])].filter((number) => number >= 1 && number <= pages).sort((a, b) => a - b);
  const items: PaginationView['items'] = [];
  shown.forEach((number, index) => {
    if (index > 0 && number - (shown[index - 1] ?? number) > 1) items.push({ ellipsis: true });
    items.push({ number, href: hrefFor(number), current: number === page });
  });
  return {
    page,
    pages,
    previous: page > 1 ? hrefFor(page - 1) : null,
    next: page < pages ? hrefFor(page + 1) : null,
    items,
  };
}

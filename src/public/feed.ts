import type { Labels } from '../i18n/labels';

/** The five characters XML escapes. */
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside XML elements and attributes (the feed, the map's SVG). */
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (character) => XML_ENTITIES[character] ?? character);

export type FeedEntry = { id: number; country_code: string; country_name: string; cycle_title: string; accepted_at: Date; actions: number };

/** An Atom (RFC 4287) feed of newly accepted reports, in the reader's language. */
export function atomFeed(baseUrl: string, entries: FeedEntry[], labels: Labels): string {
  const { t } = labels;
  const updated = (entries[0]?.accepted_at ?? new Date(0)).toISOString();
  const items = entries.map((entry) => {
    const link = `${baseUrl}/countries/${entry.country_code}`;
    const country = labels.country(entry.country_code, entry.country_name);
    const title = t('feed.entryTitle', { country, cycle: entry.cycle_title });
    const summary = entry.actions
      ? t('feed.entrySummaryActions', { country, cycle: entry.cycle_title, count: entry.actions })
      : t('feed.entrySummary', { country, cycle: entry.cycle_title });
    return `  <entry>
    <id>${escapeXml(`${baseUrl}/reports/${entry.id}`)}</id>
    <title>${escapeXml(title)}</title>
    <updated>${entry.accepted_at.toISOString()}</updated>
    <link rel="alternate" type="text/html" href="${escapeXml(link)}"/>
    <summary>${escapeXml(summary)}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${labels.language}">
  <id>${escapeXml(`${baseUrl}/feed.atom`)}</id>
  <title>${escapeXml(t('feed.title'))}</title>
  <subtitle>${escapeXml(t('feed.subtitle'))}</subtitle>
  <updated>${updated}</updated>
  <author><name>${escapeXml(t('feed.author'))}</name></author>
  <link rel="self" type="application/atom+xml" href="${escapeXml(`${baseUrl}/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${escapeXml(`${baseUrl}/`)}"/>
${items.join('\n')}
</feed>
`;
}

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[character]!);

export type FeedEntry = { id: number; country_code: string; country_name: string; cycle_title: string; accepted_at: Date; actions: number };

/** An Atom (RFC 4287) feed of newly accepted reports. */
export function atomFeed(baseUrl: string, entries: FeedEntry[]): string {
  const updated = (entries[0]?.accepted_at ?? new Date(0)).toISOString();
  const items = entries.map((entry) => {
    const link = `${baseUrl}/countries/${entry.country_code}`;
    const title = `${entry.country_name}: ${entry.cycle_title} accepted`;
    return `  <entry>
    <id>${escapeXml(`${baseUrl}/reports/${entry.id}`)}</id>
    <title>${escapeXml(title)}</title>
    <updated>${entry.accepted_at.toISOString()}</updated>
    <link rel="alternate" type="text/html" href="${escapeXml(link)}"/>
    <summary>${escapeXml(`The secretariat accepted the report of ${entry.country_name} for ${entry.cycle_title}${entry.actions ? `, with ${entry.actions} newly pledged actions` : ''}. Self-reported by the country.`)}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeXml(`${baseUrl}/feed.atom`)}</id>
  <title>Global Alliance against Child Sexual Abuse Online: accepted reports</title>
  <subtitle>Reports published on the commitment tracker once the secretariat accepts them.</subtitle>
  <updated>${updated}</updated>
  <author><name>Global Alliance secretariat</name></author>
  <link rel="self" type="application/atom+xml" href="${escapeXml(`${baseUrl}/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${escapeXml(`${baseUrl}/`)}"/>
${items.join('\n')}
</feed>
`;
}

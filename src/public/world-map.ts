import { readFileSync } from 'node:fs';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { isoNumeric } from '../../seeds/iso-numeric';
import { escapeXml } from './feed';

// The members on a world map, drawn on the server as SVG (no JavaScript in the page).
// Country outlines come from world-atlas (Natural Earth 1:110m); d3-geo projects them.
// The outlines are computed once; only the colours change with the data.

const WIDTH = 960;
const HEIGHT = 500;

type Shape = { id: string; name: string; d: string };
let shapes: Promise<Shape[]> | undefined;

async function loadShapes(): Promise<Shape[]> {
  // d3-geo is an ES module only: loaded with import(), once.
  const { geoEqualEarth, geoPath } = await import('d3-geo');
  const atlas = JSON.parse(readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8')) as Topology<{
    countries: GeometryCollection<{ name: string }>;
  }>;
  const countries = feature(atlas, atlas.objects.countries) as FeatureCollection<Geometry, { name: string }>;
  const projection = geoEqualEarth().fitExtent(
    [
      [4, 4],
      [WIDTH - 4, HEIGHT - 4],
    ],
    { type: 'Sphere' },
  );
  const path = geoPath(projection);
  return countries.features
    .filter((shape: Feature<Geometry, { name: string }>) => shape.properties.name !== 'Antarctica')
    .map((shape: Feature<Geometry, { name: string }>) => ({
      id: String(shape.id ?? ''),
      name: shape.properties.name,
      d: path(shape) ?? '',
    }));
}

/** Not a member, member without a published report, then five steps of completed share. */
// ColorBrewer's YlGnBu, five classes: sequential and safe for the common colour-vision deficiencies;
// "no published report" is a mid grey, non-members a pale one.
export const FILLS = { other: '#f3f2f1', none: '#9a9ea1', levels: ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'] };

export type MapMember = { code: string; name: string; level: number | null };

/** The SVG, members coloured by level (0–4 = share of completed actions, null = nothing published). */
export async function worldMapSvg(label: string, members: MapMember[]): Promise<{ svg: string; notDrawn: MapMember[] }> {
  shapes ??= loadShapes();
  const outlines = await shapes;
  const byShape = new Map<Shape, MapMember>();
  const notDrawn: MapMember[] = [];
  for (const member of members) {
    const numeric = isoNumeric[member.code];
    const shape = outlines.find((outline) => (numeric ? outline.id === numeric : outline.name === member.name));
    if (shape) byShape.set(shape, member);
    else notDrawn.push(member);
  }
  const paths = outlines.map((outline) => {
    const member = byShape.get(outline);
    const fill = !member ? FILLS.other : member.level === null ? FILLS.none : (FILLS.levels[member.level] ?? FILLS.none);
    return `<path fill="${fill}" d="${outline.d}">${member ? `<title>${escapeXml(member.name)}</title>` : ''}</path>`;
  });
  // Presentation attributes, not a <style> element: the strict CSP applies to this file too.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" stroke="#fff" stroke-width="0.5" role="img" aria-label="${escapeXml(label)}">
${paths.join('\n')}
</svg>`;
  return { svg, notDrawn };
}

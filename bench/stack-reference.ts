import { gzipSync } from 'node:zlib';
import express from 'express';
import Handlebars from 'handlebars';
import pg from 'pg';

// bench:public's second baseline: what the stack alone (Express, one PostgreSQL query,
// Handlebars, gzip) does for a rendered page, with none of the app (no session, CSRF,
// security headers, access log, layout, translations or filters). Two pages:
// - /table: the issue's reference, "a plain PostgreSQL aggregate with a 48-row Handlebars
//   table" (every member, 55 in the demo, with its actions pledged and completed: three
//   columns);
// - /members: the members table of /countries, with its markup (eleven columns a member,
//   the classes and labels that let it stack at 390 px), from one aggregate query.
// Measured beside the app's pages, it tells how much of a rendered page's cost is its size
// on this stack and how much is the app. Usage: node stack-reference.js <database url>

// JIT off, as the app's connections have it: on a fresh database with no statistics yet,
// PostgreSQL would compile this small query (28 ms a run).
const pool = new pg.Pool({ connectionString: process.argv[2], max: 10, options: '-c jit=off' });

const ISSUE_TABLE = Handlebars.compile(`<!doctype html>
<html lang="en"><head><title>Members</title></head><body><main><table>
<tr><th>Member</th><th>Actions pledged</th><th>Completed</th></tr>
{{#each members}}<tr><td>{{name}}</td><td>{{pledged}}</td><td>{{completed}}</td></tr>
{{/each}}</table></main></body></html>`);

const MEMBERS_TABLE = Handlebars.compile(`<!doctype html>
<html lang="en"><head><title>Members</title></head><body><main>
<table class="govuk-table table--stack" id="members">
  <thead class="govuk-table__head">
    <tr class="govuk-table__row"><th class="govuk-table__header" scope="col">Country</th><th class="govuk-table__header" scope="col">Region</th><th class="govuk-table__header" scope="col">Joined</th><th class="govuk-table__header" scope="col">Latest published report</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Actions pledged</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Completed</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Delayed</th>{{#each targetCodes}}<th scope="col" class="govuk-table__header govuk-table__header--numeric">{{this}}</th>{{/each}}</tr>
  </thead>
  <tbody class="govuk-table__body">
    {{#each members}}
    <tr class="govuk-table__row">
      <th class="govuk-table__header" scope="row"><a href="/countries/{{code}}">{{name}}</a>{{#if eu_member}} <span class="govuk-tag app-tag--eu">EU</span>{{/if}}</th>
      <td class="govuk-table__cell" data-label="Region">{{region}}</td>
      <td class="govuk-table__cell" data-label="Joined">{{#if joined}}{{joined}}{{else}}<span class="muted">Date not known</span>{{/if}}</td>
      <td class="govuk-table__cell" data-label="Latest published report">{{#if latest_slug}}<a href="/cycles/{{latest_slug}}">{{latest_title}}</a>{{else}}<span class="muted">None yet</span>{{/if}}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric" data-label="Actions pledged">{{pledged}}</td><td class="govuk-table__cell govuk-table__cell--numeric" data-label="Completed">{{completed}}</td><td class="govuk-table__cell govuk-table__cell--numeric" data-label="Delayed">{{delayed}}</td>
      {{#each targets}}<td class="govuk-table__cell govuk-table__cell--numeric matrix{{#if pledged}} matrix--{{level}}{{/if}}" data-label="{{target}}">{{#if pledged}}{{completed}}/{{pledged}}<span class="govuk-visually-hidden"> completed under {{target}}</span>{{else}}<span class="muted">&#x2013;</span>{{/if}}</td>{{/each}}
    </tr>
    {{/each}}
  </tbody>
</table></main></body></html>`);

// Every member's counts per target, from the counts PostgreSQL keeps, with its latest published report.
const MEMBERS_QUERY = `
  with per_target as (
    select c.code, t.code as target,
      coalesce(sum(a.actions), 0)::int as pledged,
      coalesce(sum(a.actions) filter (where a.latest_status = 'completed'), 0)::int as completed,
      coalesce(sum(a.actions) filter (where a.latest_status = 'delayed'), 0)::int as delayed
    from countries c cross join policy_targets t
    left join public_action_counts a on a.country_code = c.code and a.target_code = t.code
    group by c.code, t.code
  )
  select c.code, c.name, c.region, c.eu_member, to_char(c.joined_on, 'FMDD FMMonth YYYY') as joined,
    r.reports -> 0 ->> 'cycle_slug' as latest_slug, r.reports -> 0 ->> 'cycle_title' as latest_title,
    sum(p.pledged)::int as pledged, sum(p.completed)::int as completed, sum(p.delayed)::int as delayed,
    json_agg(json_build_object('target', p.target, 'pledged', p.pledged, 'completed', p.completed,
      'level', case when p.pledged > 0 then least(4, floor(p.completed * 5.0 / p.pledged))::int end) order by p.target) as targets
  from countries c
  join per_target p on p.code = c.code
  left join public_member_records r on r.country_code = c.code
  group by c.code, r.country_code
  order by c.name`;

const ISSUE_QUERY = `
  select c.name, coalesce(sum(a.actions), 0)::int as pledged,
    coalesce(sum(a.actions) filter (where a.latest_status = 'completed'), 0)::int as completed
  from countries c left join public_action_counts a on a.country_code = c.code
  group by c.code order by c.name`;

function send(req: express.Request, res: express.Response, html: string) {
  res.type('html');
  if (req.acceptsEncodings('gzip', 'identity') === 'gzip') res.set('Content-Encoding', 'gzip').send(gzipSync(html));
  else res.send(html);
}

const server = express()
  .get('/table', async (req, res) => {
    const { rows } = await pool.query({ name: 'issue-table', text: ISSUE_QUERY });
    send(req, res, ISSUE_TABLE({ members: rows }));
  })
  .get('/members', async (req, res) => {
    const { rows } = await pool.query<{ targets: { target: string }[] }>({ name: 'members-table', text: MEMBERS_QUERY });
    send(req, res, MEMBERS_TABLE({ members: rows, targetCodes: rows[0]?.targets.map(({ target }) => target) ?? [] }));
  })
  .listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`running at http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/\n`);
  });

import type { Knex } from 'knex';

// The language a member wrote a report's texts in (ISO 639 code), when the delegate says
// so. Public pages mark those texts with it (lang="…"), so screen readers and
// translation tools read them right whatever the interface language is. The public
// views carry it along: new columns go at the end, as CREATE OR REPLACE VIEW requires.
const PUBLIC_REPORTS = `
    select r.id, r.country_code, r.cycle_id, c.slug as cycle_slug, c.title as cycle_title, c.kind as cycle_kind,
           c.opens_on as cycle_opens_on, c.due_on as cycle_due_on, r.submitted_at, r.reviewed_at as accepted_at`;
const PUBLIC_REPORTS_FROM = `
    from reports r
    join cycles c on c.id = r.cycle_id
    where r.state = 'accepted'`;
const PUBLIC_ACTIONS = `
    select a.id, a.country_code, a.target_code, a.goal_code, a.title, a.description, a.responsible_body, a.due_on,
           pledged.id as pledged_in_report_id, pledged.cycle_slug as pledged_in_cycle_slug,
           withdrawn.id as withdrawn_in_report_id,
           case when withdrawn.id is not null then a.withdrawal_reason end as withdrawal_reason,
           case when withdrawn.id is not null then 'withdrawn' else coalesce(latest.status, 'not_reported') end as latest_status,
           latest.percent_complete as latest_percent_complete,
           latest.narrative as latest_narrative,
           latest.cycle_slug as latest_cycle_slug`;
const PUBLIC_ACTIONS_FROM = (withLanguage: boolean) => `
    from actions a
    join public_reports pledged on pledged.id = a.pledged_in_report_id
    left join public_reports withdrawn on withdrawn.id = a.withdrawn_in_report_id
    left join lateral (
      select u.status, u.percent_complete, u.narrative, pr.cycle_slug${withLanguage ? ', pr.text_language' : ''}
      from action_updates u
      join public_reports pr on pr.id = u.report_id
      where u.action_id = a.id
      order by pr.cycle_opens_on desc, pr.id desc
      limit 1
    ) latest on true`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw("alter table reports add column text_language text check (text_language ~ '^[a-z]{2,3}$')");
  await knex.raw(`create or replace view public_reports as ${PUBLIC_REPORTS}, r.text_language ${PUBLIC_REPORTS_FROM}`);
  await knex.raw(`create or replace view public_actions as ${PUBLIC_ACTIONS},
           pledged.text_language as text_language,
           latest.text_language as latest_text_language,
           withdrawn.text_language as withdrawn_text_language ${PUBLIC_ACTIONS_FROM(true)}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop view public_actions');
  await knex.raw('drop view public_reports');
  await knex.raw(`create view public_reports as ${PUBLIC_REPORTS} ${PUBLIC_REPORTS_FROM}`);
  await knex.raw(`create view public_actions as ${PUBLIC_ACTIONS} ${PUBLIC_ACTIONS_FROM(false)}`);
  await knex.raw('alter table reports drop column text_language');
}

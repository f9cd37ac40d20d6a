import type { Database } from '../db/knex';
import type { Language } from '../i18n';

export type Recipient = { id: number; email: string; name: string; language: Language; country_code: string };

/** Where a reminder is due: a member expected to report in an open cycle, without a submitted or accepted report. */
export type ReminderDue = { cycle_id: number; slug: string; title: string; due_on: string; reminder_days: number[]; country_code: string };

export function createNoticeQueries(db: Database) {
  return {
    /** The active delegates of these members: the people a member's mail goes to. */
    async delegatesOf(countryCodes: string[]): Promise<Recipient[]> {
      if (countryCodes.length === 0) return [];
      return db('users')
        .select('id', 'email', 'name', 'language', 'country_code')
        .where({ role: 'delegate', active: true })
        .whereIn('country_code', countryCodes)
        .orderBy('id');
    },

    /** The members expected to report in a cycle (on its due date). */
    async expectedMembers(cycleId: number): Promise<string[]> {
      return db('countries as m')
        .join('cycles as c', 'c.id', db.raw('?', [cycleId]))
        .whereRaw('expected_to_report(m.joined_on, m.left_on, c.due_on)')
        .orderBy('m.code')
        .pluck('m.code');
    },

    /** Open cycles whose due date is at most `withinDays` ahead (or past), and the expected members who have not submitted. */
    async remindersToConsider(today: string, withinDays: number): Promise<ReminderDue[]> {
      return db('cycles as c')
        .join('countries as m', db.raw('expected_to_report(m.joined_on, m.left_on, c.due_on)'))
        .leftJoin('reports as r', (join) => {
          join.on('r.cycle_id', 'c.id').andOn('r.country_code', 'm.code');
        })
        .select('c.id as cycle_id', 'c.slug', 'c.title', 'c.due_on', 'c.reminder_days', 'm.code as country_code')
        .where('c.state', 'open')
        .andWhereRaw('c.due_on <= ?::date + ?::integer', [today, withinDays])
        .andWhere((where) => where.whereNull('r.id').orWhereIn('r.state', ['draft', 'returned']))
        .orderBy(['c.id', 'm.code']);
    },

    /** Records that a reminder went; false when it had gone already. */
    async recordReminder(cycleId: number, countryCode: string, kind: string): Promise<boolean> {
      const inserted = await db('reminders')
        .insert({ cycle_id: cycleId, country_code: countryCode, kind })
        .onConflict(['cycle_id', 'country_code', 'kind'])
        .ignore()
        .returning('kind');
      return inserted.length > 0;
    },
  };
}

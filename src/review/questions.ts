import type { Database } from '../db/knex';
import { prepared } from '../db/prepared';

// Questions on single items of a report: the secretariat drafts them while reviewing,
// returning the report sends them, the delegates answer them (migration …0700).

export type QuestionRow = {
  id: number;
  item_key: string;
  question: string;
  asked_at: Date;
  asker_name: string;
  sent_at: Date | null;
  sent_with_version: number | null;
  answer: string | null;
  answered_at: Date | null;
  answerer_name: string | null;
};

export function createQuestionQueries(db: Database) {
  return {
    /** Every question on a report, oldest first; only those sent when `sentOnly` (what delegates see). */
    async list(reportId: number, options: { sentOnly?: boolean } = {}): Promise<QuestionRow[]> {
      const query = db('item_questions as q')
        .join('users as asker', 'asker.id', 'q.asked_by')
        .leftJoin('users as answerer', 'answerer.id', 'q.answered_by')
        .select(
          'q.id',
          'q.item_key',
          'q.question',
          'q.asked_at',
          'asker.name as asker_name',
          'q.sent_at',
          'q.sent_with_version',
          'q.answer',
          'q.answered_at',
          'answerer.name as answerer_name',
        )
        .where('q.report_id', reportId)
        .orderBy('q.id');
      if (options.sentOnly) void query.whereNotNull('q.sent_at');
      return prepared(query);
    },

    async add(question: { report_id: number; item_key: string; question: string; asked_by: number }): Promise<number> {
      const rows: Array<{ id: number }> = await db('item_questions').insert(question).returning('id');
      return rows[0]?.id ?? 0;
    },

    /** Removes a question not sent yet; false when there is none such. */
    async removeDraft(reportId: number, id: number): Promise<boolean> {
      return (await db('item_questions').where({ id, report_id: reportId }).whereNull('sent_at').delete()) > 0;
    },

    /** Sends every draft question with the report's return; returns them. */
    async sendDrafts(reportId: number, version: number): Promise<Array<{ item_key: string; question: string }>> {
      return db('item_questions')
        .where({ report_id: reportId })
        .whereNull('sent_at')
        .update({ sent_at: db.fn.now(), sent_with_version: version })
        .returning(['item_key', 'question']);
    },

    /** Accepting a report ends the drafts it was not returned with. */
    async dropDrafts(reportId: number): Promise<number> {
      return db('item_questions').where({ report_id: reportId }).whereNull('sent_at').delete();
    },

    /** Records (or corrects) the answer to a sent question of this report; false when there is none such. */
    async answer(reportId: number, id: number, answer: string, userId: number): Promise<boolean> {
      const updated = await db('item_questions')
        .where({ id, report_id: reportId })
        .whereNotNull('sent_at')
        .update({ answer, answered_by: userId, answered_at: db.fn.now() });
      return updated > 0;
    },
  };
}

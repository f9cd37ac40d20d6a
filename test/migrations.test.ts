import { migrateToLatest, rollbackAll } from '../src/db/migrate';
import { useTestDatabase, type TestDatabase } from './helpers/database';

const APP_TABLES = [
  'action_updates',
  'actions',
  'audit_events',
  'countries',
  'cycles',
  'indicator_values',
  'indicators',
  'invitations',
  'item_questions',
  'operational_goals',
  'outbox',
  'password_resets',
  'policy_targets',
  'public_action_counts',
  'public_action_status',
  'public_data_version',
  'public_member_records',
  'reminders',
  'report_sections',
  'report_submissions',
  'reports',
  'sessions',
  'stocktaking_entries',
  'target_summaries',
  'users',
  'users_version',
];

async function publicTables(database: TestDatabase): Promise<string[]> {
  const { rows } = await database.db.raw<{ rows: Array<{ table_name: string }> }>(
    "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
  );
  return rows.map((row) => row.table_name).filter((name) => !name.startsWith('knex_'));
}

describe('migrations', () => {
  const database = useTestDatabase({ empty: true });

  it('create every table of the data model, roll back to nothing, and apply again', async () => {
    const applied = await migrateToLatest(database.db);
    expect(applied.length).toBeGreaterThan(0);
    expect(await publicTables(database)).toEqual(APP_TABLES);

    const reverted = await rollbackAll(database.db);
    expect(reverted.sort()).toEqual([...applied].sort());
    expect(await publicTables(database)).toEqual([]);
    const { rows: views } = await database.db.raw("select table_name from information_schema.views where table_schema = 'public'");
    expect(views).toEqual([]);

    expect(await migrateToLatest(database.db)).toEqual(applied);
    expect(await migrateToLatest(database.db)).toEqual([]);
  });
});

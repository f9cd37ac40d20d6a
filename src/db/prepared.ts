import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Runs a read as a named prepared statement, so PostgreSQL parses it once per connection
 * and, once it finds the generic plan as good as the ones it made for the values (after
 * five runs), plans it once per connection too. The public pages read through views
 * (public_reports, public_actions) whose planning cost more than their running: a member's
 * page spent 2.6 ms planning its reads and 0.6 ms running them; prepared, PostgreSQL's CPU
 * for a rendered page went from 2.1 to 1.0 ms.
 *
 * The name is a hash of the query's text, so a query whose text varies with its filters is
 * a statement per variant. Only for queries whose texts are a bounded set (values as
 * bindings, never a list of varying length): a connection keeps every statement it prepared.
 * A migration that changes a view's columns needs the app restarted (`npm start` migrates
 * before it serves), or a statement prepared with `*` over the view fails until it is.
 */
export function prepared<T extends Knex.QueryBuilder | Knex.Raw>(query: T): T {
  const compiled = query.toSQL();
  const name = `read_${createHash('sha1').update(compiled.sql).digest('base64url')}`;
  query.options({ name });
  // It runs as compiled here (knex would compile it again to run it): knex was a tenth of
  // the compiled report's whole render in its profile, and compiling once bought that page
  // about 4 % side by side. Run once, as every caller does: knex numbers the compilation's
  // placeholders in place as it runs it.
  compiled.options = { ...compiled.options, name };
  query.toSQL = () => compiled;
  return query;
}

/**
 * `.limit(n, LIMIT_IN_TEXT)`: the limit written into a prepared read's text, not bound.
 * Without a value PostgreSQL costs a LIMIT as a tenth of the rows, so the generic plan of a
 * read with a bound limit always looked dearer than the plans it made for the values, and
 * it planned the read again on every run (a member's newest actions: 0.8 ms of planning,
 * 0.35 of running, on the growth data). Only for limits the code fixes, such as a page size:
 * each value is a statement of its own.
 */
export const LIMIT_IN_TEXT = { skipBinding: true } as const;

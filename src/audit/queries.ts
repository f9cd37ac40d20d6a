import type { Database } from '../db/knex';

export type AuditEvent = {
  actorUserId: number | null;
  /** Who acted when there is no user, or the user's e-mail for readability: cli, anonymous, system. */
  actorLabel: string;
  verb: string;
  entity: string;
  entityId?: string | number | null;
  countryCode?: string | null;
  details?: Record<string, unknown>;
  ipAddress?: string | null;
};

/** Appends one event. Call it with the transaction of the change it records. */
export async function recordAuditEvent(db: Database, event: AuditEvent): Promise<void> {
  await db('audit_events').insert({
    actor_user_id: event.actorUserId,
    actor_label: event.actorLabel,
    verb: event.verb,
    entity: event.entity,
    entity_id: event.entityId === undefined || event.entityId === null ? null : String(event.entityId),
    country_code: event.countryCode ?? null,
    details: JSON.stringify(event.details ?? {}),
    ip_address: event.ipAddress ?? null,
  });
}

export type AuditFilter = { actor?: string; country?: string; verb?: string; from?: string; to?: string; before?: number };

export type AuditRow = {
  id: number;
  at: Date;
  actor_label: string;
  actor_name: string | null;
  verb: string;
  entity: string;
  entity_id: string | null;
  country_code: string | null;
  details: Record<string, unknown>;
  ip_address: string | null;
};

export const AUDIT_PAGE_SIZE = 100;

/** Newest first, AUDIT_PAGE_SIZE at a time; `before` is the last id of the previous page. */
export async function listAuditEvents(db: Database, filter: AuditFilter): Promise<AuditRow[]> {
  const query = db('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select(
      'e.id',
      'e.at',
      'e.actor_label',
      'u.name as actor_name',
      'e.verb',
      'e.entity',
      'e.entity_id',
      'e.country_code',
      'e.details',
      'e.ip_address',
    )
    .orderBy('e.id', 'desc')
    .limit(AUDIT_PAGE_SIZE);
  if (filter.actor) {
    const pattern = `%${filter.actor.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    query.where((where) => where.whereILike('e.actor_label', pattern).orWhereILike('u.email', pattern).orWhereILike('u.name', pattern));
  }
  if (filter.country) query.where('e.country_code', filter.country);
  if (filter.verb) query.where('e.verb', filter.verb);
  if (filter.from) query.where('e.at', '>=', filter.from);
  if (filter.to) query.whereRaw("e.at < (?::date + interval '1 day')", [filter.to]);
  if (filter.before) query.where('e.id', '<', filter.before);
  return query;
}

export async function listAuditVerbs(db: Database): Promise<string[]> {
  return db('audit_events').distinct('verb').orderBy('verb').pluck('verb');
}

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

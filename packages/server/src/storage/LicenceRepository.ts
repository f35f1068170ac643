import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditLogTable, Database } from './schema.ts';

export interface AuditEntry {
  id: string;
  at: string;
  actor: { id: string | null; name: string };
  action: string;
  target: { id: string | null; name: string | null };
  details: Record<string, unknown> | null;
}

function toEntry(row: AuditLogTable): AuditEntry {
  let details: Record<string, unknown> | null = null;
  try {
    details = row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null;
  } catch {
    details = { raw: row.details };
  }
  return { id: row.id, at: row.at, actor: { id: row.actor_id, name: row.actor_name }, action: row.action, target: { id: row.target_id, name: row.target_name }, details };
}

/** Named host licences, and the audit log of what administrators and policies did. */
export class LicenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Grants a licence unless the pool (0: no limit) is used up; in one transaction, so two
   * grants at once cannot both take the last one. Answers whether the person holds one now.
   */
  async grant(userId: string, grantedBy: string | null, pool: number, at = new Date()): Promise<'granted' | 'already' | 'pool_full'> {
    return this.db.transaction().execute(async (tx) => {
      const held = await tx.selectFrom('licences').select('user_id').where('user_id', '=', userId).executeTakeFirst();
      if (held) return 'already';
      if (pool > 0) {
        const row = await tx.selectFrom('licences').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
        if (Number(row.n) >= pool) return 'pool_full';
      }
      await tx.insertInto('licences').values({ user_id: userId, granted_at: at.toISOString(), granted_by: grantedBy }).execute();
      return 'granted';
    });
  }

  /** Whether a licence was taken away (false: there was none). */
  async revoke(userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('licences').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('licences').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async audit(entry: { actor: { id: string | null; name: string }; action: string; target?: { id: string | null; name: string | null }; details?: Record<string, unknown> }, at = new Date()): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: crypto.randomUUID(),
        at: at.toISOString(),
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        action: entry.action,
        target_id: entry.target?.id ?? null,
        target_name: entry.target?.name ?? null,
        details: entry.details ? JSON.stringify(entry.details) : null,
      })
      .execute();
  }

  /** The newest entries first; `before` (an ISO time) pages back. */
  async auditLog(limit: number, before?: string): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (before) q = q.where('at', '<', before);
    return (await q.orderBy('at', 'desc').orderBy('id').limit(limit).execute()).map(toEntry);
  }
}

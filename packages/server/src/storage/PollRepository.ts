import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { PollDraft } from '@amphi/protocol';
import type { Database, PreparedPollsTable } from './schema.ts';

/** A poll written before the meeting. */
export type PreparedPoll = PollDraft & { id: string };

function toPoll(row: PreparedPollsTable): PreparedPoll | undefined {
  // Stored by us, but parsed like any outside data: a bad row is skipped, not trusted.
  let options: unknown;
  try {
    options = JSON.parse(row.options);
  } catch {
    return undefined;
  }
  const parsed = PollDraft.safeParse({ question: row.question, kind: row.kind, options, anonymous: row.anonymous === 1 });
  return parsed.success ? { ...parsed.data, id: row.id } : undefined;
}

/** Polls organisers prepare on the meeting's page, launched by hosts during the meeting. */
export class PollRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(meetingId: string): Promise<PreparedPoll[]> {
    const rows = await this.db.selectFrom('prepared_polls').selectAll().where('meeting_id', '=', meetingId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPoll).filter((p): p is PreparedPoll => p !== undefined);
  }

  async add(meetingId: string, draft: PollDraft): Promise<PreparedPoll> {
    const id = crypto.randomUUID();
    await this.db
      .insertInto('prepared_polls')
      .values({ id, meeting_id: meetingId, question: draft.question, kind: draft.kind, options: JSON.stringify(draft.options), anonymous: draft.anonymous ? 1 : 0, created_at: new Date().toISOString() })
      .execute();
    return { ...draft, id };
  }

  async remove(meetingId: string, id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('prepared_polls').where('meeting_id', '=', meetingId).where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async count(meetingId: string): Promise<number> {
    const row = await this.db.selectFrom('prepared_polls').select((eb) => eb.fn.countAll<string | number>().as('n')).where('meeting_id', '=', meetingId).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

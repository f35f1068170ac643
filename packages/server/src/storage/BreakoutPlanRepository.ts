import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { matchPeople } from '../domain/names.ts';
import type { BreakoutPlan, PlannedAssignment } from '../ports/MeetingDirectory.ts';
import type { Database } from './schema.ts';

/**
 * A breakout plan as the organiser writes it: people without their tokens. Callers pass a valid
 * one (the protocol's PutBreakoutPlanRequest): room names unique, each person's room among them,
 * each email once.
 */
export interface BreakoutPlanDraft {
  rooms: string[];
  assignments: { name: string; email: string | null; room: string }[];
}

/** The secret of a personal invitation link: 24 random bytes, base64url (32 characters). */
export function newInviteToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound parameters. */
const CHUNK = 200;

/** Breakout rooms prepared before the meeting, and who goes where (organiser's card, home page). */
export class BreakoutPlanRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The plan of a meeting; empty lists when none was prepared. */
  async get(meetingId: string): Promise<BreakoutPlan> {
    return planOf(this.db, meetingId);
  }

  /**
   * Replaces the plan of a meeting. Someone already in the previous plan (same email, else same
   * name: see matchPeople) keeps their token, so the link they were sent still works.
   */
  async save(meetingId: string, draft: BreakoutPlanDraft): Promise<BreakoutPlan> {
    return this.db.transaction().execute(async (trx) => {
      const previous = (await planOf(trx, meetingId)).assignments;
      const matched = matchPeople(previous, draft.assignments);
      const assignments: PlannedAssignment[] = draft.assignments.map((a, i) => ({ name: a.name, email: a.email, room: a.room, token: matched[i]?.token ?? newInviteToken() }));
      await trx.deleteFrom('breakout_assignments').where('meeting_id', '=', meetingId).execute();
      await trx.deleteFrom('breakout_rooms').where('meeting_id', '=', meetingId).execute();
      if (draft.rooms.length > 0) {
        await trx.insertInto('breakout_rooms').values(draft.rooms.map((name, position) => ({ meeting_id: meetingId, position, name }))).execute();
      }
      for (let start = 0; start < assignments.length; start += CHUNK) {
        const rows = assignments.slice(start, start + CHUNK).map((a, i) => ({ token: a.token, meeting_id: meetingId, position: start + i, name: a.name, email: a.email, room: a.room }));
        await trx.insertInto('breakout_assignments').values(rows).execute();
      }
      return { rooms: [...draft.rooms], assignments };
    });
  }

  /** Removes the plan of a meeting (its links stop working). */
  async clear(meetingId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('breakout_assignments').where('meeting_id', '=', meetingId).execute();
      await trx.deleteFrom('breakout_rooms').where('meeting_id', '=', meetingId).execute();
    });
  }
}

async function planOf(db: Kysely<Database> | Transaction<Database>, meetingId: string): Promise<BreakoutPlan> {
  const rooms = await db.selectFrom('breakout_rooms').select('name').where('meeting_id', '=', meetingId).orderBy('position').execute();
  const people = await db.selectFrom('breakout_assignments').select(['token', 'name', 'email', 'room']).where('meeting_id', '=', meetingId).orderBy('position').execute();
  return { rooms: rooms.map((r) => r.name), assignments: people.map((p) => ({ name: p.name, email: p.email, room: p.room, token: p.token })) };
}

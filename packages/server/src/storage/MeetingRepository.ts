import type { Kysely } from 'kysely';
import { DEFAULT_MEETING_SETTINGS, type MeetingSettings } from '../domain/MeetingSettings.ts';
import type { Schedule } from '../domain/Schedule.ts';
import type { BreakoutPlan, MeetingDirectory } from '../ports/MeetingDirectory.ts';
import type { BreakoutPlanRepository } from './BreakoutPlanRepository.ts';
import type { Database, MeetingsTable } from './schema.ts';

/** A meeting as stored: what the organiser created. Who is in it right now lives in memory (domain/). */
export interface MeetingRecord {
  id: string;
  title: string;
  ownerId: string;
  createdAt: string;
  settings: MeetingSettings;
  description: string;
  schedule: Schedule | null;
  /** The organiser's personal room. */
  personal: boolean;
}

function toMeeting(row: MeetingsTable): MeetingRecord {
  return {
    id: row.id,
    title: row.title,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    settings: {
      waitingRoom: row.waiting_room === 1,
      waitingRoomEveryone: row.waiting_room_everyone === 1,
      cohosts: emailsOf(row.cohosts),
      muteOnEntry: row.mute_on_entry === 1,
      allowUnmute: row.allow_unmute === 1,
      allowChat: row.allow_chat === 1,
      allowShare: row.allow_share === 1,
      allowRename: row.allow_rename === 1,
      capacity: row.capacity === null ? null : Number(row.capacity),
      passcode: row.passcode,
      redirectUrl: row.redirect_url,
    },
    description: row.description ?? '',
    schedule:
      row.starts_at && row.time_zone && row.duration_minutes !== null
        ? {
            startsAt: row.starts_at,
            timeZone: row.time_zone,
            durationMinutes: Number(row.duration_minutes),
            recurrence: row.recurrence_freq && row.recurrence_until ? { freq: row.recurrence_freq === 'daily' ? 'daily' : 'weekly', until: row.recurrence_until } : null,
          }
        : null,
    personal: row.personal === 1,
  };
}

function emailsOf(json: string | null | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    // Written by this module only; an unreadable value names nobody.
    return [];
  }
}

function scheduleColumns(s: Schedule | null): Partial<MeetingsTable> {
  return {
    starts_at: s?.startsAt ?? null,
    time_zone: s?.timeZone ?? null,
    duration_minutes: s?.durationMinutes ?? null,
    recurrence_freq: s?.recurrence?.freq ?? null,
    recurrence_until: s?.recurrence?.until ?? null,
  };
}

/** What an organiser may change about a meeting. */
export interface MeetingChange {
  title?: string;
  description?: string;
  schedule?: Schedule | null;
  settings?: Partial<MeetingSettings>;
}

function settingsColumns(s: Partial<MeetingSettings>): Partial<MeetingsTable> {
  const cols: Partial<MeetingsTable> = {};
  const flag = (v: boolean) => (v ? 1 : 0);
  if (s.waitingRoom !== undefined) cols.waiting_room = flag(s.waitingRoom);
  if (s.waitingRoomEveryone !== undefined) cols.waiting_room_everyone = flag(s.waitingRoomEveryone);
  if (s.cohosts !== undefined) cols.cohosts = JSON.stringify(s.cohosts);
  if (s.muteOnEntry !== undefined) cols.mute_on_entry = flag(s.muteOnEntry);
  if (s.allowUnmute !== undefined) cols.allow_unmute = flag(s.allowUnmute);
  if (s.allowChat !== undefined) cols.allow_chat = flag(s.allowChat);
  if (s.allowShare !== undefined) cols.allow_share = flag(s.allowShare);
  if (s.allowRename !== undefined) cols.allow_rename = flag(s.allowRename);
  if (s.capacity !== undefined) cols.capacity = s.capacity;
  if (s.passcode !== undefined) cols.passcode = s.passcode;
  if (s.redirectUrl !== undefined) cols.redirect_url = s.redirectUrl;
  return cols;
}

export class MeetingRepository implements MeetingDirectory {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly breakouts: BreakoutPlanRepository,
  ) {}

  async create(input: {
    id: string;
    title: string;
    ownerId: string;
    now: Date;
    settings?: Partial<MeetingSettings>;
    description?: string;
    schedule?: Schedule | null;
    personal?: boolean;
  }): Promise<MeetingRecord> {
    const row = {
      id: input.id,
      title: input.title,
      owner_id: input.ownerId,
      created_at: input.now.toISOString(),
      description: input.description ?? '',
      personal: input.personal ? 1 : 0,
      ...scheduleColumns(input.schedule ?? null),
      ...settingsColumns({ ...DEFAULT_MEETING_SETTINGS, ...input.settings }),
    } as MeetingsTable;
    await this.db.insertInto('meetings').values(row).execute();
    return toMeeting(row);
  }

  /** Changes the title and settings of a meeting its owner holds; undefined if there is none. */
  async update(id: string, ownerId: string, change: MeetingChange): Promise<MeetingRecord | undefined> {
    const cols = {
      ...settingsColumns(change.settings ?? {}),
      ...(change.title !== undefined ? { title: change.title } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.schedule !== undefined ? scheduleColumns(change.schedule) : {}),
    };
    if (Object.keys(cols).length > 0) {
      await this.db.updateTable('meetings').set(cols).where('id', '=', id).where('owner_id', '=', ownerId).execute();
    }
    const meeting = await this.byId(id);
    return meeting?.ownerId === ownerId ? meeting : undefined;
  }

  async byId(id: string): Promise<MeetingRecord | undefined> {
    const row = await this.db.selectFrom('meetings').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMeeting(row) : undefined;
  }

  async byOwner(ownerId: string): Promise<MeetingRecord[]> {
    const rows = await this.db.selectFrom('meetings').selectAll().where('owner_id', '=', ownerId).orderBy('created_at', 'desc').limit(200).execute();
    return rows.map(toMeeting);
  }

  /** Deletes a meeting its owner holds (bans, polls and breakout plan go with it); false if there was none. */
  async delete(id: string, ownerId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('meetings').where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async personalRoomOf(ownerId: string): Promise<MeetingRecord | undefined> {
    const row = await this.db.selectFrom('meetings').selectAll().where('owner_id', '=', ownerId).where('personal', '=', 1).executeTakeFirst();
    return row ? toMeeting(row) : undefined;
  }

  async bannedKeys(meetingId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('meeting_bans').select('ban_key').where('meeting_id', '=', meetingId).execute();
    return rows.map((r) => r.ban_key);
  }

  async addBans(meetingId: string, keys: string[]): Promise<void> {
    const now = new Date().toISOString();
    for (const key of keys) {
      await this.db
        .insertInto('meeting_bans')
        .values({ meeting_id: meetingId, ban_key: key, created_at: now })
        .onConflict((oc) => oc.columns(['meeting_id', 'ban_key']).doNothing())
        .execute();
    }
  }

  async breakoutPlan(meetingId: string): Promise<BreakoutPlan> {
    return this.breakouts.get(meetingId);
  }
}

import type { MeetingSettings } from '../domain/MeetingSettings.ts';

/** Where the domain looks up meetings that exist, and records who was removed (storage implements it). */
export interface MeetingDirectory {
  byId(id: string): Promise<{ id: string; title: string; ownerId: string; settings: MeetingSettings } | undefined>;
  /** Keys ("client:…", "user:…") of people removed from this meeting. */
  bannedKeys(meetingId: string): Promise<string[]>;
  addBans(meetingId: string, keys: string[]): Promise<void>;
  /** The breakout rooms the organiser prepared before the meeting (empty lists when none). */
  breakoutPlan(meetingId: string): Promise<BreakoutPlan>;
}

/**
 * Breakout rooms prepared before the meeting: the rooms, and who goes where. A person is
 * recognised on arrival by their personal invitation token (guests), else the email of their
 * account, else their display name (case and accents ignored).
 */
export interface BreakoutPlan {
  /** Room names, in order, unique. */
  rooms: string[];
  assignments: PlannedAssignment[];
}

export interface PlannedAssignment {
  name: string;
  email: string | null;
  /** One of the plan's room names. */
  room: string;
  /** The secret in this person's personal link (/m/<meetingId>?invite=<token>). */
  token: string;
}

import type { MeetingSettings } from '../domain/MeetingSettings.ts';

/** Where the domain looks up meetings that exist, and records who was removed (storage implements it). */
export interface MeetingDirectory {
  byId(id: string): Promise<{ id: string; title: string; ownerId: string; settings: MeetingSettings } | undefined>;
  /** Keys ("client:…", "user:…") of people removed from this meeting. */
  bannedKeys(meetingId: string): Promise<string[]>;
  addBans(meetingId: string, keys: string[]): Promise<void>;
}

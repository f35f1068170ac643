import { z } from 'zod';
import { BreakoutRoom, BreakoutState, ChatMessage, DocumentInfo, MeetingState, PollView, Role, Stroke } from '@amphi/protocol';

/*
 * What of a live meeting outlives the Amphi process: written to storage as the meeting changes
 * (MeetingRegistry), read back when Amphi starts again so the meeting goes on and its people
 * resume. Media, sockets and timers are not in it: they are made again. Stored by us, but parsed
 * like outside data when read (an unreadable snapshot is dropped, never half-trusted).
 */

export const SNAPSHOT_VERSION = 1;

export const ParticipantSnapshot = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  userId: z.string().nullable(),
  clientId: z.string().nullable(),
  /** The browser by Amphi's credential (BrowserCredentials), for a removal after the restart. */
  browser: z.string().nullable().default(null),
  /** SHA-256 of the resume credential (base64url): the credential itself is never stored. */
  credentialHash: z.string(),
  audio: z.boolean(),
  video: z.boolean(),
  hand: z.number().int().nullable(),
  room: z.string().nullable(),
  isStaff: z.boolean(),
  externalUserId: z.string().nullable(),
  color: z.string(),
  joinedAt: z.string(),
  unmutedSeq: z.number().int(),
  cameraUsed: z.boolean(),
});
export type ParticipantSnapshot = z.infer<typeof ParticipantSnapshot>;

export const PollSnapshot = z.object({
  view: PollView,
  counts: z.array(z.number().int()),
  voters: z.array(z.string()),
  votes: z.array(z.tuple([z.string(), z.object({ name: z.string(), choices: z.array(z.number().int()) })])).nullable(),
  shared: z.boolean(),
});
export type PollSnapshot = z.infer<typeof PollSnapshot>;

export const BreakoutsSnapshot = z.object({
  status: BreakoutState.shape.status,
  rooms: z.array(BreakoutRoom),
  assignments: z.array(z.tuple([z.string(), z.string()])),
  suggestions: z.array(z.tuple([z.string(), z.string()])).default([]),
  allowChoose: z.boolean(),
  endsAt: z.string().nullable(),
  closingAt: z.string().nullable(),
  boards: z.array(z.string()),
});
export type BreakoutsSnapshot = z.infer<typeof BreakoutsSnapshot>;

/** What of a recording under way a restart of Amphi keeps (the rest is in its manifest, on disk). */
export const RecordingSnapshot = z.object({
  id: z.string(),
  startedAt: z.string(),
  /** Unix ms since when a host has paused it; null when it was recording. */
  pausedAt: z.number().nullable(),
});
export type RecordingSnapshot = z.infer<typeof RecordingSnapshot>;

export const MeetingSnapshot = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  /** This time the meeting is live (the attendance report's unit): a restart does not start a new one. */
  sessionId: z.string(),
  state: MeetingState,
  unmuteCount: z.number().int(),
  handCounter: z.number().int(),
  /** Browsers a host let in this session (they skip the waiting room if they come back). */
  admitted: z.array(z.string()).default([]),
  /** Browsers waiting to be let in, and since when (Unix ms): back after the restart, they keep their place. */
  waitingSince: z.array(z.tuple([z.string(), z.number()])).default([]),
  participants: z.array(ParticipantSnapshot),
  chat: z.array(z.tuple([z.string(), z.array(ChatMessage)])),
  polls: z.array(PollSnapshot),
  documents: z.array(DocumentInfo),
  annotations: z.object({ nextColor: z.number().int(), surfaces: z.array(z.tuple([z.string(), z.array(Stroke)])) }),
  breakouts: BreakoutsSnapshot,
  /** The cloud recording under way, if any: it goes on after the restart. */
  recording: RecordingSnapshot.nullable().default(null),
});
export type MeetingSnapshot = z.infer<typeof MeetingSnapshot>;

/** Reads a stored snapshot; undefined when it is not one this version understands. */
export function parseSnapshot(text: string): MeetingSnapshot | undefined {
  try {
    const parsed = MeetingSnapshot.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

import type { MeetingState, ServerMessage } from '@amphi/protocol';
import type { Logger } from '../Logger.ts';
import type { TypedEmitter } from '../TypedEmitter.ts';
import type { MeetingPolicy } from './MeetingSettings.ts';
import type { Participant } from './Participant.ts';

/**
 * What happens to a live meeting's media that its parts may follow without the meeting knowing
 * them: the cloud recording is one such listener (see ADR 6).
 */
export type MeetingEvents = {
  /** Someone's published streams changed: they went live, started or stopped sharing. */
  streams: () => void;
  /** Someone in the main room started talking. */
  talking: (p: Participant) => void;
  /** The media server went away with every room (it restarts; media is built anew). */
  'media-lost': () => void;
};

/**
 * What a part of a live meeting (moderation, chat, polls, the stage, documents, drawings,
 * breakout rooms, the cloud recording) sees of it: who the meeting is, its state, who is in it,
 * how to tell them, and its media events. A part that needs more says so in its own narrow
 * interface (ModerationHost, StageHost, …); none sees the whole meeting, and none imports it.
 */
export interface MeetingContext {
  readonly id: string;
  readonly title: string;
  /** What everyone is told of the meeting (locks, permissions, the stage, the recording). */
  readonly state: MeetingState;
  readonly log: Logger;
  readonly ended: boolean;
  /** What the deployment decides for every meeting (administrators change it at run time). */
  readonly deploymentPolicy: MeetingPolicy;
  readonly events: TypedEmitter<MeetingEvents>;
  participants(): Participant[];
  participant(id: string): Participant | undefined;
  /** A participant by id, or `meeting.not_participant`. */
  requireParticipant(id: string): Participant;
  broadcast(message: ServerMessage): void;
  broadcastToRoom(room: string | null, message: ServerMessage): void;
  sendToModerators(message: ServerMessage): void;
  /** Something a snapshot holds changed without anything told to everyone (it is written soon). */
  changed(): void;
}

import type { ClientMessage, ClientMessageOf } from '@amphi/protocol';
import type { LiveMeeting } from '../domain/LiveMeeting.ts';
import type { Participant } from '../domain/Participant.ts';

/** Who is asking, and in which meeting. */
export interface ActionContext {
  meeting: LiveMeeting;
  participant: Participant;
}

type Handler<K extends ActionType> = (ctx: ActionContext, message: ClientMessageOf<K>) => unknown;

/**
 * The requests someone in a meeting makes that the domain carries out and the server answers
 * with `ok` (or a typed error). Listed once here, checked for completeness by the type: a new
 * action in this union without a handler does not compile. Who may do what is the domain's call.
 */
export type ActionType =
  | 'set-media'
  | 'admit'
  | 'deny'
  | 'mute-participant'
  | 'mute-all'
  | 'ask-unmute'
  | 'stop-video'
  | 'remove-participant'
  | 'set-role'
  | 'rename'
  | 'set-lock'
  | 'set-permissions'
  | 'spotlight'
  | 'chat-send'
  | 'set-view'
  | 'share-start'
  | 'share-stop'
  | 'poll-launch'
  | 'poll-vote'
  | 'poll-close'
  | 'poll-share'
  | 'raise-hand'
  | 'lower-hand'
  | 'lower-all-hands'
  | 'react'
  | 'present'
  | 'present-view'
  | 'present-stop'
  | 'document-update'
  | 'document-remove'
  | 'annotate'
  | 'breakout-rooms'
  | 'breakout-assign'
  | 'breakout-shuffle'
  | 'breakout-open'
  | 'breakout-close'
  | 'breakout-enter'
  | 'breakout-help'
  | 'breakout-broadcast'
  | 'recording-start'
  | 'recording-stop'
  | 'local-recording'
  | 'recording-pause';

export const MEETING_ACTIONS: { [K in ActionType]: Handler<K> } = {
  'set-media': ({ meeting, participant }, m) => meeting.setMedia(participant, { audio: m.audio, video: m.video }),
  admit: ({ meeting, participant }, m) => meeting.admit(participant, m.participantId),
  deny: ({ meeting, participant }, m) => meeting.deny(participant, m.participantId),
  'mute-participant': ({ meeting, participant }, m) => meeting.moderation.mute(participant, m.participantId),
  'mute-all': ({ meeting, participant }, m) => meeting.moderation.muteAll(participant, m.allowUnmute),
  'ask-unmute': ({ meeting, participant }, m) => meeting.moderation.askUnmute(participant, m.participantId),
  'stop-video': ({ meeting, participant }, m) => meeting.moderation.stopVideo(participant, m.participantId),
  'remove-participant': ({ meeting, participant }, m) => meeting.moderation.remove(participant, m.participantId),
  'set-role': ({ meeting, participant }, m) => meeting.moderation.setRole(participant, m.participantId, m.role),
  rename: ({ meeting, participant }, m) => meeting.moderation.rename(participant, m.participantId, m.name),
  'set-lock': ({ meeting, participant }, m) => meeting.moderation.setLock(participant, m.locked),
  'set-permissions': ({ meeting, participant }, m) => meeting.moderation.setPermissions(participant, m.permissions),
  spotlight: ({ meeting, participant }, m) => meeting.moderation.spotlight(participant, m.participantId),
  'chat-send': ({ meeting, participant }, m) => meeting.chat.send(participant, m.text, m.to),
  'set-view': ({ meeting, participant }, m) => meeting.setView(participant, m.videos, m.large),
  'share-start': ({ meeting, participant }) => meeting.stage.startShare(participant),
  'share-stop': ({ meeting, participant }) => meeting.stage.stopShare(participant),
  'poll-launch': ({ meeting, participant }, m) => meeting.polls.launch(participant, m.poll),
  'poll-vote': ({ meeting, participant }, m) => meeting.polls.vote(participant, m.pollId, m.choices),
  'poll-close': ({ meeting, participant }, m) => meeting.polls.close(participant, m.pollId),
  'poll-share': ({ meeting, participant }, m) => meeting.polls.share(participant, m.pollId),
  'raise-hand': ({ meeting, participant }) => meeting.moderation.raiseHand(participant),
  'lower-hand': ({ meeting, participant }, m) => meeting.moderation.lowerHand(participant, m.participantId),
  'lower-all-hands': ({ meeting, participant }) => meeting.moderation.lowerAllHands(participant),
  react: ({ meeting, participant }, m) => meeting.chat.react(participant, m.reaction),
  present: ({ meeting, participant }, m) => meeting.stage.present(participant, m.presentation),
  'present-view': ({ meeting, participant }, m) => meeting.stage.setView(participant, m.view),
  'present-stop': ({ meeting, participant }) => meeting.stage.stopPresenting(participant),
  'document-update': ({ meeting, participant }, m) => meeting.documents.setDownloadable(participant, m.documentId, m.downloadable),
  'document-remove': ({ meeting, participant }, m) => meeting.documents.remove(participant, m.documentId),
  annotate: ({ meeting, participant }, m) => meeting.annotations.annotate(participant, m.surface, m.op),
  'breakout-rooms': ({ meeting, participant }, m) => meeting.breakouts.setRooms(participant, m.rooms),
  'breakout-assign': ({ meeting, participant }, m) => meeting.breakouts.assign(participant, m.participantId, m.roomId),
  'breakout-shuffle': ({ meeting, participant }) => meeting.breakouts.shuffle(participant),
  'breakout-open': ({ meeting, participant }, m) => meeting.breakouts.open(participant, m.seconds, m.allowChoose),
  'breakout-close': ({ meeting, participant }, m) => meeting.breakouts.close(participant, m.countdown),
  'breakout-enter': ({ meeting, participant }, m) => meeting.breakouts.enter(participant, m.roomId),
  'breakout-help': ({ meeting, participant }) => meeting.breakouts.askForHelp(participant),
  'breakout-broadcast': ({ meeting, participant }, m) => meeting.breakouts.broadcast(participant, m.text),
  'recording-start': ({ meeting, participant }) => meeting.recording.start(participant),
  'recording-stop': ({ meeting, participant }) => meeting.recording.stop(participant),
  'local-recording': ({ meeting, participant }, m) => meeting.recording.setLocal(participant, m.active),
  'recording-pause': ({ meeting, participant }, m) => meeting.recording.pause(participant, m.paused),
};

/** Actions answered with `ok` only when they carry a request id (drawing sends many, quickly). */
export const QUIET_ACTIONS: ReadonlySet<ActionType> = new Set(['annotate']);

export function isMeetingAction(message: ClientMessage): message is ActionMessage {
  return Object.hasOwn(MEETING_ACTIONS, message.type);
}

/** A message asking for one of the actions. */
export type ActionMessage = Extract<ClientMessage, { type: ActionType }>;

/** Runs the action's handler (awaiting it when the domain works asynchronously). */
export async function runMeetingAction(ctx: ActionContext, message: ActionMessage): Promise<void> {
  // TypeScript cannot correlate the handler looked up by `message.type` with `message` itself.
  const handler = MEETING_ACTIONS[message.type] as (ctx: ActionContext, m: ActionMessage) => unknown;
  await handler(ctx, message);
}

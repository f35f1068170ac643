import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import { MAX_DISPLAY_NAME_LENGTH, MAX_SDP_LENGTH } from './limits.ts';

/*
 * The signaling protocol: one WebSocket per participant at /ws, JSON text frames.
 * Every message is an object with a `type`. Requests from the client may carry a
 * request id `rid`; the server's direct reply (or its `error`) repeats it.
 * docs/protocol.md describes the conversation in prose.
 */

const RequestId = z.number().int().nonnegative().max(2 ** 31);
const Sdp = z.string().min(1).max(MAX_SDP_LENGTH);

/** An ICE candidate as RTCIceCandidate.toJSON() gives it; null means "gathering complete". */
export const IceCandidate = z
  .object({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  })
  .nullable();
export type IceCandidate = z.infer<typeof IceCandidate>;

/** Which of the participant's two PeerConnections a candidate belongs to. */
export const PeerTarget = z.enum(['publisher', 'subscriber']);
export type PeerTarget = z.infer<typeof PeerTarget>;

export const Role = z.enum(['host', 'participant']);
export type Role = z.infer<typeof Role>;

/** A participant as everyone in the meeting sees them. */
export const ParticipantInfo = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  /** Whether their microphone is sending (false: muted). */
  audio: z.boolean(),
  /** Whether their camera is sending. */
  video: z.boolean(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

/** One m-line of the subscriber PeerConnection and whose media it carries. */
export const SubscribedStream = z.object({
  mid: z.string(),
  participantId: z.string(),
  kind: z.enum(['audio', 'video']),
});
export type SubscribedStream = z.infer<typeof SubscribedStream>;

export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

// ---------------------------------------------------------------------------
// Client → server

/** First message: enter the meeting under a display name. */
export const JoinMessage = z.object({
  type: z.literal('join'),
  rid: RequestId.optional(),
  meetingId: z.string().min(1).max(64),
  name: z.string().trim().min(1).max(MAX_DISPLAY_NAME_LENGTH),
  audio: z.boolean(),
  video: z.boolean(),
});

/** The publisher PeerConnection's offer (first publish, or again after a media reset). */
export const PublishMessage = z.object({
  type: z.literal('publish'),
  rid: RequestId.optional(),
  sdp: Sdp,
});

/** The answer to a `subscribe-offer`. */
export const SubscribeAnswerMessage = z.object({
  type: z.literal('subscribe-answer'),
  rid: RequestId.optional(),
  negotiationId: z.number().int().nonnegative(),
  sdp: Sdp,
});

export const ClientTrickleMessage = z.object({
  type: z.literal('trickle'),
  target: PeerTarget,
  candidate: IceCandidate,
});

/** Turn one's own microphone or camera on or off. The server stops relaying what is off. */
export const SetMediaMessage = z.object({
  type: z.literal('set-media'),
  rid: RequestId.optional(),
  audio: z.boolean(),
  video: z.boolean(),
});

export const LeaveMessage = z.object({ type: z.literal('leave'), rid: RequestId.optional() });

/** Host only: end the meeting for everyone. */
export const EndMeetingMessage = z.object({ type: z.literal('end-meeting'), rid: RequestId.optional() });

export const PingMessage = z.object({ type: z.literal('ping'), rid: RequestId.optional() });

export const ClientMessage = z.discriminatedUnion('type', [
  JoinMessage,
  PublishMessage,
  SubscribeAnswerMessage,
  ClientTrickleMessage,
  SetMediaMessage,
  LeaveMessage,
  EndMeetingMessage,
  PingMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES = ClientMessage.options.map((o) => o.shape.type.value);

// ---------------------------------------------------------------------------
// Server → client

export const JoinedMessage = z.object({
  type: z.literal('joined'),
  rid: RequestId.optional(),
  meeting: z.object({ id: z.string(), title: z.string() }),
  self: ParticipantInfo,
  participants: z.array(ParticipantInfo),
  iceServers: z.array(IceServer),
});

export const PublishAnswerMessage = z.object({
  type: z.literal('publish-answer'),
  rid: RequestId.optional(),
  sdp: Sdp,
});

/**
 * A new offer for the subscriber PeerConnection. The client answers with `subscribe-answer`
 * carrying the same negotiationId. Offers come one at a time.
 */
export const SubscribeOfferMessage = z.object({
  type: z.literal('subscribe-offer'),
  negotiationId: z.number().int().nonnegative(),
  sdp: Sdp,
  streams: z.array(SubscribedStream),
});

export const ServerTrickleMessage = z.object({
  type: z.literal('trickle'),
  target: PeerTarget,
  candidate: IceCandidate,
});

export const ParticipantJoinedMessage = z.object({
  type: z.literal('participant-joined'),
  participant: ParticipantInfo,
});
export const ParticipantUpdatedMessage = z.object({
  type: z.literal('participant-updated'),
  participant: ParticipantInfo,
});
export const ParticipantLeftMessage = z.object({
  type: z.literal('participant-left'),
  participantId: z.string(),
});

export const MeetingEndedMessage = z.object({
  type: z.literal('meeting-ended'),
  reason: z.enum(['ended-by-host', 'server-shutdown']),
});

/**
 * The media server was restarted: every PeerConnection is dead. The client builds new ones,
 * publishes again with `publish` and answers the `subscribe-offer` that follows.
 */
export const MediaResetMessage = z.object({ type: z.literal('media-reset') });

export const OkMessage = z.object({ type: z.literal('ok'), rid: RequestId.optional() });
export const PongMessage = z.object({ type: z.literal('pong'), rid: RequestId.optional() });

/** A typed error. The connection stays open unless the server closes it right after. */
export const ErrorMessage = z.object({
  type: z.literal('error'),
  rid: RequestId.optional(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

export const ServerMessage = z.discriminatedUnion('type', [
  JoinedMessage,
  PublishAnswerMessage,
  SubscribeOfferMessage,
  ServerTrickleMessage,
  ParticipantJoinedMessage,
  ParticipantUpdatedMessage,
  ParticipantLeftMessage,
  MeetingEndedMessage,
  MediaResetMessage,
  OkMessage,
  PongMessage,
  ErrorMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

/** WebSocket close codes Amphi uses (4000–4999 are the application's). */
export const CLOSE_CODES = {
  meetingEnded: 4000,
  left: 4001,
  serverShutdown: 4002,
} as const;

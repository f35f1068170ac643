import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';
import { INVITE_TOKEN_PATTERN } from './http.ts';
import { MAX_APPEND_POINTS, MAX_DISPLAY_NAME_LENGTH, MAX_SDP_LENGTH, MAX_STROKE_POINTS } from './limits.ts';

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

/** host: runs the meeting (one at a time); cohost: host powers except roles; participant: the rest. */
export const Role = z.enum(['host', 'cohost', 'participant']);
export type Role = z.infer<typeof Role>;

const ParticipantId = z.string().min(1).max(64);
const DisplayName = z.string().trim().min(1).max(MAX_DISPLAY_NAME_LENGTH);

/** What hosts allow participants to do (hosts and co-hosts may always). */
export const Permissions = z.object({
  /** Participants may unmute themselves (else only after a host asks them to). */
  allowUnmute: z.boolean(),
  allowChat: z.boolean(),
  allowShare: z.boolean(),
  allowRename: z.boolean(),
  /** Participants may draw on what is shared and on the whiteboard. */
  allowAnnotate: z.boolean(),
  /** Several people may share at once (else a new share replaces the one before). */
  multiShare: z.boolean(),
  /** Participants may record the meeting in their own browser (hosts always may). */
  allowLocalRecording: z.boolean(),
});
export type Permissions = z.infer<typeof Permissions>;

/** A document uploaded to the meeting, converted to PDF. */
export const DocumentInfo = z.object({
  id: z.string(),
  /** The file name it was uploaded under. */
  name: z.string(),
  pages: z.number().int().positive(),
  /** Hosts let everyone download it (it is always shown to everyone when presented). */
  downloadable: z.boolean(),
  uploadedBy: z.object({ id: z.string(), name: z.string() }),
});
export type DocumentInfo = z.infer<typeof DocumentInfo>;

/**
 * What the presenter shows of a document: a page, a zoom (1: the whole page fits) and the
 * point of the page at the centre of the view, in page-relative coordinates (0–1).
 */
export const DocumentView = z.object({
  page: z.number().int().min(1).max(10_000),
  zoom: z.number().min(1).max(8),
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
});
export type DocumentView = z.infer<typeof DocumentView>;

/** What is on the stage besides shared screens: a document page, or the whiteboard. */
export const Presentation = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('document'), presenterId: z.string(), documentId: z.string(), view: DocumentView }),
  z.object({ kind: z.literal('whiteboard'), presenterId: z.string() }),
]);
export type Presentation = z.infer<typeof Presentation>;

/** The live meeting's shared state, sent on join and whenever a host changes it. */
export const MeetingState = z.object({
  locked: z.boolean(),
  permissions: Permissions,
  /** The participant shown large for everyone, if a host chose one. */
  spotlight: z.string().nullable(),
  /** The document page or whiteboard everyone is shown, if any. */
  presentation: Presentation.nullable(),
  /** Cloud recording: everyone is told while it runs. */
  recording: z.object({ active: z.boolean(), startedAt: z.string().nullable(), paused: z.boolean() }),
});
export type MeetingState = z.infer<typeof MeetingState>;

/** Someone in the waiting room, as hosts see them. */
export const WaitingPerson = z.object({ id: z.string(), name: z.string(), since: z.string() });
export type WaitingPerson = z.infer<typeof WaitingPerson>;

export const ChatMessage = z.object({
  id: z.string(),
  from: z.object({ id: z.string(), name: z.string() }),
  /** Set for a private message. */
  to: z.object({ id: z.string(), name: z.string() }).nullable(),
  text: z.string(),
  at: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A poll as a host writes it. */
export const PollDraft = z.object({
  question: z.string().trim().min(1).max(300),
  kind: z.enum(['single', 'multiple']),
  options: z.array(z.string().trim().min(1).max(200)).min(2).max(10),
  /** Nobody, hosts included, learns who voted what: the server keeps only counts. */
  anonymous: z.boolean(),
});
export type PollDraft = z.infer<typeof PollDraft>;

/** A poll as everyone sees it. */
export const PollView = PollDraft.extend({
  id: z.string(),
  status: z.enum(['open', 'closed']),
});
export type PollView = z.infer<typeof PollView>;

/** Results: counts per option; for named polls, hosts also get who chose what. */
export const PollResults = z.object({
  pollId: z.string(),
  counts: z.array(z.number().int()),
  voters: z.number().int(),
  votes: z.array(z.object({ name: z.string(), choices: z.array(z.number().int()) })).optional(),
});
export type PollResults = z.infer<typeof PollResults>;

/**
 * Something people draw on: a participant's shared screen (`screen:<participantId>`), a page
 * of a document (`doc:<documentId>:<page>`), the whiteboard (`board`), or a breakout room's
 * whiteboard (`board:<roomId>`).
 */
export const Surface = z.string().regex(/^(screen:[A-Za-z0-9-]{1,64}|doc:[A-Za-z0-9-]{1,64}:[1-9][0-9]{0,4}|board|board:[A-Za-z0-9-]{1,64})$/);
export type Surface = z.infer<typeof Surface>;

/** A point relative to the content: (0, 0) its top-left corner, (1, 1) its bottom-right. */
export const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
export type Point = z.infer<typeof Point>;

export const ANNOTATION_TOOLS = ['pen', 'highlighter', 'line', 'arrow', 'rectangle', 'ellipse', 'text'] as const;
export const AnnotationTool = z.enum(ANNOTATION_TOOLS);
export type AnnotationTool = z.infer<typeof AnnotationTool>;

const StrokeId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);

/**
 * A stroke as its author sends it. Pen and highlighter: the path; line, arrow, rectangle and
 * ellipse: two corners; text: one point (its top-left) and the text. Width is relative to
 * the content's width.
 */
export const StrokeDraft = z.object({
  id: StrokeId,
  tool: AnnotationTool,
  width: z.number().min(0.0005).max(0.1),
  points: z.array(Point).min(1).max(MAX_STROKE_POINTS),
  text: z.string().max(500).optional(),
});
export type StrokeDraft = z.infer<typeof StrokeDraft>;

/** A stroke as everyone receives it: with its author and the author's colour. */
export const Stroke = StrokeDraft.extend({
  authorId: z.string(),
  authorName: z.string(),
  color: z.string(),
});
export type Stroke = z.infer<typeof Stroke>;

/** What a participant does to a surface. */
export const AnnotateOp = z.discriminatedUnion('kind', [
  /** Create a stroke, or replace one's own stroke of the same id (a shape being dragged). */
  z.object({ kind: z.literal('put'), stroke: StrokeDraft }),
  /** Add points to one's own pen or highlighter stroke while drawing it. */
  z.object({ kind: z.literal('append'), id: StrokeId, points: z.array(Point).min(1).max(MAX_APPEND_POINTS) }),
  /** The eraser: remove strokes (one's own; hosts and co-hosts anyone's). */
  z.object({ kind: z.literal('erase'), ids: z.array(StrokeId).min(1).max(100) }),
  /** Remove one's own latest stroke on this surface. */
  z.object({ kind: z.literal('undo') }),
  /** Clear one's own strokes, or (hosts and co-hosts) everyone's. */
  z.object({ kind: z.literal('clear'), scope: z.enum(['mine', 'all']) }),
]);
export type AnnotateOp = z.infer<typeof AnnotateOp>;

/** What happened to a surface, as everyone receives it. */
export const AnnotationEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('put'), stroke: Stroke }),
  z.object({ kind: z.literal('append'), id: z.string(), points: z.array(Point) }),
  z.object({ kind: z.literal('remove'), ids: z.array(z.string()) }),
  /** Everyone's strokes (authorId null), or one author's, are gone. */
  z.object({ kind: z.literal('clear'), authorId: z.string().nullable() }),
]);
export type AnnotationEvent = z.infer<typeof AnnotationEvent>;

export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export const Reaction = z.enum(REACTIONS);
export type Reaction = z.infer<typeof Reaction>;

/** A breakout room: its own media room and chat, inside the meeting. */
export const BreakoutRoom = z.object({ id: z.string(), name: z.string() });
export type BreakoutRoom = z.infer<typeof BreakoutRoom>;

/**
 * The meeting's breakout rooms: idle (being prepared, or closed again: assignments are kept
 * for the next round), open (people are in them), closing (everyone comes back at closingAt).
 */
export const BreakoutState = z.object({
  status: z.enum(['idle', 'open', 'closing']),
  rooms: z.array(BreakoutRoom),
  /** participantId → roomId, for the people in the meeting who have a room. */
  assignments: z.record(z.string(), z.string()),
  /**
   * participantId → roomId the prepared plan has for someone of that name: a name proves nothing
   * (anyone can type it), so it is only suggested, for a host to confirm (an assignment then).
   */
  suggestions: z.record(z.string(), z.string()).default({}),
  /** Participants may pick a room themselves (else only the one they are assigned to). */
  allowChoose: z.boolean(),
  /** When open rooms close by themselves (ISO time), or null. */
  endsAt: z.string().nullable(),
  /** While closing: when everyone is brought back to the main room (ISO time). */
  closingAt: z.string().nullable(),
  /** The rooms whose whiteboard is open (surface `board:<roomId>`). */
  boards: z.array(z.string()),
});
export type BreakoutState = z.infer<typeof BreakoutState>;

/** A participant as everyone in the meeting sees them. */
export const ParticipantInfo = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  /** Whether their microphone is sending (false: muted). */
  audio: z.boolean(),
  /** Whether their camera is sending. */
  video: z.boolean(),
  /** Set while their hand is raised: a rank, lower raised earlier (the queue's order). */
  hand: z.number().int().nullable(),
  /** They are sharing their screen (one person at a time unless hosts allow several). */
  sharing: z.boolean(),
  /** Their colour for annotations (a CSS colour). */
  color: z.string(),
  /** The breakout room they are in (null: the main room). */
  room: z.string().nullable(),
  /** They are recording the meeting in their browser (everyone is told). */
  recordingLocally: z.boolean(),
  /**
   * Their connection dropped and the server keeps their place for the grace period: their tile
   * stays (dimmed) until they are back or the grace period ends (then `participant-left`).
   */
  reconnecting: z.boolean(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

/** One m-line of the subscriber PeerConnection and whose media it carries. */
export const SubscribedStream = z.object({
  mid: z.string(),
  participantId: z.string(),
  /** "screen": a shared screen or window (a second video of that participant); "screen-audio": a shared tab's sound. */
  kind: z.enum(['audio', 'video', 'screen', 'screen-audio']),
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
  name: DisplayName,
  audio: z.boolean(),
  video: z.boolean(),
  /**
   * A random id the page keeps for itself (its resumes must come from it). The server does not
   * trust it for anything that matters: a removal and a poll's one vote are bound to the browser
   * credential Amphi gave in a cookie, and to the account.
   */
  clientId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/).optional(),
  passcode: z.string().max(64).optional(),
  /** The secret of a personal invitation link (/m/<id>?invite=…): it says who this is and their breakout room. */
  invite: z.string().regex(INVITE_TOKEN_PATTERN).optional(),
  /** A one-use join ticket (/m/<id>?ticket=…, from the BigBlueButton-compatible API's `join`): it says who this is and their role. */
  ticket: z.string().regex(INVITE_TOKEN_PATTERN).optional(),
});

/** The publisher PeerConnection's offer (first publish, or again after a media reset). */
export const PublishMessage = z.object({
  type: z.literal('publish'),
  rid: RequestId.optional(),
  sdp: Sdp,
  /** The mid of the m-line that carries a shared screen, once the client has one. */
  screenMid: z.string().max(32).optional(),
  /** The mid of the m-line that carries the shared tab's sound, when the browser gives one. */
  screenAudioMid: z.string().max(32).optional(),
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

/** A resume credential as the server hands it out (`joined.resume`, `resumed`). */
export const ResumeCredential = z.string().regex(/^[A-Za-z0-9_-]{32,64}$/);

/**
 * First message on a new socket after the previous one was lost: take one's place again in the
 * meeting (same participant, role, room and devices) instead of joining anew. `lastSeq` is the
 * `seq` of the last message received; the server replays what came after it, or sends a fresh
 * `joined` when those messages are no longer kept. Answered with `resumed`, or `resume.invalid`
 * / `resume.expired`.
 */
export const ResumeMessage = z.object({
  type: z.literal('resume'),
  rid: RequestId.optional(),
  meetingId: z.string().min(1).max(64),
  credential: ResumeCredential,
  /** The browser's id (join.clientId): a credential works only in the browser it was given to. */
  clientId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  lastSeq: z.number().int().nonnegative(),
});

/**
 * The browser's media connections failed (a new network, a long cut): the server builds new
 * media for this participant and answers with `media-reset`, as after a media server restart.
 */
export const MediaRestartMessage = z.object({ type: z.literal('media-restart'), rid: RequestId.optional() });

/**
 * The browser's receiving connection lost its network path: the server sends a `subscribe-offer`
 * with new ICE credentials (an ICE restart) for the same streams. (The sending connection is
 * restarted by the browser itself: a `publish` with an ICE-restart offer.)
 */
export const IceRestartMessage = z.object({ type: z.literal('ice-restart'), rid: RequestId.optional() });

/** Host only: end the meeting for everyone. */
export const EndMeetingMessage = z.object({ type: z.literal('end-meeting'), rid: RequestId.optional() });

export const PingMessage = z.object({ type: z.literal('ping'), rid: RequestId.optional() });

// Host and co-host actions. Each is refused with `auth.forbidden` when the sender may not.
const HostAction = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), rid: RequestId.optional(), ...shape });

/** Let someone in from the waiting room ("all": everyone waiting, up to the capacity). */
export const AdmitMessage = HostAction('admit', { participantId: z.union([ParticipantId, z.literal('all')]) });
/** Send someone in the waiting room away. */
export const DenyMessage = HostAction('deny', { participantId: ParticipantId });
/** Stop relaying someone's microphone; they are told. */
export const MuteParticipantMessage = HostAction('mute-participant', { participantId: ParticipantId });
/** Mute every participant (not hosts); optionally change whether they may unmute themselves. */
export const MuteAllMessage = HostAction('mute-all', { allowUnmute: z.boolean().optional() });
/** Ask someone to unmute (never forces it); lets them unmute once even if unmuting is not allowed. */
export const AskUnmuteMessage = HostAction('ask-unmute', { participantId: ParticipantId });
/** Stop relaying someone's camera; they are told and may turn it on again. */
export const StopVideoMessage = HostAction('stop-video', { participantId: ParticipantId });
/** Remove someone: they cannot come back to this meeting. */
export const RemoveParticipantMessage = HostAction('remove-participant', { participantId: ParticipantId });
/** Host only: make someone co-host or participant, or hand the host role over. */
export const SetRoleMessage = HostAction('set-role', { participantId: ParticipantId, role: Role });
/** Rename someone (hosts), or oneself (when renaming is allowed). */
export const RenameMessage = HostAction('rename', { participantId: ParticipantId, name: DisplayName });
export const SetLockMessage = HostAction('set-lock', { locked: z.boolean() });
export const SetPermissionsMessage = HostAction('set-permissions', { permissions: Permissions.partial() });
export const SpotlightMessage = HostAction('spotlight', { participantId: ParticipantId.nullable() });

/** A chat message to everyone, or privately to one participant. */
export const ChatSendMessage = z.object({
  type: z.literal('chat-send'),
  rid: RequestId.optional(),
  text: z.string().trim().min(1).max(2000),
  to: ParticipantId.nullable().optional(),
});
/**
 * Whose videos this client shows right now (its gallery page, or the speaker and the strip):
 * the server subscribes it to those videos only (audio comes from everyone). At most 49.
 */
export const SetViewMessage = z.object({
  type: z.literal('set-view'),
  rid: RequestId.optional(),
  videos: z.array(ParticipantId).max(49),
  /**
   * Of `videos`, those shown large enough to want a camera's best layer; the others get its
   * small layer (cameras are sent in two sizes). Absent: the best layer for all.
   */
  large: z.array(ParticipantId).max(49).optional(),
});
/** Start showing one's screen to everyone (it must be in the publisher connection: see publish.screenMid). */
export const ShareStartMessage = z.object({ type: z.literal('share-start'), rid: RequestId.optional() });
export const ShareStopMessage = z.object({ type: z.literal('share-stop'), rid: RequestId.optional() });
/** Hosts: put a poll to everyone. */
export const PollLaunchMessage = z.object({ type: z.literal('poll-launch'), rid: RequestId.optional(), poll: PollDraft });
export const PollVoteMessage = z.object({ type: z.literal('poll-vote'), rid: RequestId.optional(), pollId: z.string().max(64), choices: z.array(z.number().int().min(0).max(9)).min(1).max(10) });
export const PollCloseMessage = z.object({ type: z.literal('poll-close'), rid: RequestId.optional(), pollId: z.string().max(64) });
/** Hosts: show a poll's results (counts only) to everyone. */
export const PollShareMessage = z.object({ type: z.literal('poll-share'), rid: RequestId.optional(), pollId: z.string().max(64) });
/** Show a document (from the start, or at `view`) or the whiteboard on everyone's stage. */
export const PresentMessage = z.object({
  type: z.literal('present'),
  rid: RequestId.optional(),
  presentation: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('document'), documentId: z.string().max(64), view: DocumentView.optional() }),
    z.object({ kind: z.literal('whiteboard') }),
  ]),
});
/** The presenter turns a page, zooms or pans: everyone follows. */
export const PresentViewMessage = z.object({ type: z.literal('present-view'), rid: RequestId.optional(), view: DocumentView });
/** Take the document or whiteboard off the stage (the presenter, or hosts). */
export const PresentStopMessage = z.object({ type: z.literal('present-stop'), rid: RequestId.optional() });
/** Hosts, or the person who uploaded it: allow or forbid downloading a document, or remove it. */
export const DocumentUpdateMessage = z.object({ type: z.literal('document-update'), rid: RequestId.optional(), documentId: z.string().max(64), downloadable: z.boolean() });
export const DocumentRemoveMessage = z.object({ type: z.literal('document-remove'), rid: RequestId.optional(), documentId: z.string().max(64) });
/** Draw on a surface (what is shared, a document page, the whiteboard). No reply unless refused. */
export const AnnotateMessage = z.object({ type: z.literal('annotate'), rid: RequestId.optional(), surface: Surface, op: AnnotateOp });
const RoomName = z.string().trim().min(1).max(60);
/** Hosts: the breakout rooms (while they are not open). A room keeps its id when given. */
export const BreakoutRoomsMessage = HostAction('breakout-rooms', { rooms: z.array(z.object({ id: z.string().max(64).optional(), name: RoomName })).max(50) });
/** Hosts: put someone in a room (null: none). While rooms are open they are moved at once. */
export const BreakoutAssignMessage = HostAction('breakout-assign', { participantId: ParticipantId, roomId: z.string().max(64).nullable() });
/** Hosts: spread every participant (not hosts and co-hosts) evenly over the rooms, at random. */
export const BreakoutShuffleMessage = HostAction('breakout-shuffle', {});
/** Hosts: open the rooms: everyone assigned goes to their room; optionally they close by themselves after `seconds`. */
export const BreakoutOpenMessage = HostAction('breakout-open', { seconds: z.number().int().min(10).max(86_400).nullable(), allowChoose: z.boolean() });
/** Hosts: close the rooms: everyone is back in the main room after `countdown` seconds (default 10). */
export const BreakoutCloseMessage = HostAction('breakout-close', { countdown: z.number().int().min(0).max(120).optional() });
/** Go to a breakout room (one's own; any when participants may choose; hosts anywhere), or back (null). */
export const BreakoutEnterMessage = z.object({ type: z.literal('breakout-enter'), rid: RequestId.optional(), roomId: z.string().max(64).nullable() });
/** From a breakout room: ask the hosts for help. */
export const BreakoutHelpMessage = z.object({ type: z.literal('breakout-help'), rid: RequestId.optional() });
/** Hosts: a message to everyone, in every room. */
export const BreakoutBroadcastMessage = HostAction('breakout-broadcast', { text: z.string().trim().min(1).max(500) });
/** Staff hosts: start recording the main room to the cloud (one MP4 when it stops). */
export const RecordingStartMessage = HostAction('recording-start', {});
/** Hosts and co-hosts: stop the cloud recording. */
export const RecordingStopMessage = HostAction('recording-stop', {});
/** Hosts and co-hosts: pause the cloud recording (nothing is recorded until it resumes), or resume it. */
export const RecordingPauseMessage = HostAction('recording-pause', { paused: z.boolean() });
/** Say that one records the meeting in one's own browser (or stopped); refused unless hosts allow it. */
export const LocalRecordingMessage = z.object({ type: z.literal('local-recording'), rid: RequestId.optional(), active: z.boolean() });
export const RaiseHandMessage = z.object({ type: z.literal('raise-hand'), rid: RequestId.optional() });
/** Lower one's own hand, or (hosts) someone else's. */
export const LowerHandMessage = z.object({ type: z.literal('lower-hand'), rid: RequestId.optional(), participantId: ParticipantId.optional() });
export const LowerAllHandsMessage = HostAction('lower-all-hands', {});
export const ReactMessage = z.object({ type: z.literal('react'), rid: RequestId.optional(), reaction: Reaction });

export const ClientMessage = z.discriminatedUnion('type', [
  JoinMessage,
  PublishMessage,
  SubscribeAnswerMessage,
  ClientTrickleMessage,
  SetMediaMessage,
  LeaveMessage,
  ResumeMessage,
  MediaRestartMessage,
  IceRestartMessage,
  EndMeetingMessage,
  PingMessage,
  AdmitMessage,
  DenyMessage,
  MuteParticipantMessage,
  MuteAllMessage,
  AskUnmuteMessage,
  StopVideoMessage,
  RemoveParticipantMessage,
  SetRoleMessage,
  RenameMessage,
  SetLockMessage,
  SetPermissionsMessage,
  SpotlightMessage,
  ChatSendMessage,
  SetViewMessage,
  ShareStartMessage,
  ShareStopMessage,
  PollLaunchMessage,
  PollVoteMessage,
  PollCloseMessage,
  PollShareMessage,
  RaiseHandMessage,
  LowerHandMessage,
  LowerAllHandsMessage,
  ReactMessage,
  PresentMessage,
  PresentViewMessage,
  PresentStopMessage,
  DocumentUpdateMessage,
  DocumentRemoveMessage,
  AnnotateMessage,
  BreakoutRoomsMessage,
  BreakoutAssignMessage,
  BreakoutShuffleMessage,
  BreakoutOpenMessage,
  BreakoutCloseMessage,
  BreakoutEnterMessage,
  BreakoutHelpMessage,
  BreakoutBroadcastMessage,
  RecordingStartMessage,
  RecordingStopMessage,
  RecordingPauseMessage,
  LocalRecordingMessage,
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
  state: MeetingState,
  /** Public chat so far (the latest messages). */
  chat: z.array(ChatMessage),
  /** Who is waiting to be let in (hosts and co-hosts only; empty for others). */
  waiting: z.array(WaitingPerson),
  /** Polls so far in this meeting. */
  polls: z.array(PollView),
  /** The polls this person has voted in already (by account or browser: joining again gives no second vote). */
  voted: z.array(z.string()).default([]),
  /** Documents uploaded to this meeting. */
  documents: z.array(DocumentInfo),
  /** The breakout rooms. */
  breakouts: BreakoutState,
  /** This person's account is staff (may record to the cloud when host or co-host). */
  staff: z.boolean(),
  /**
   * This participant's own credential for the meeting's HTTP endpoints (uploading and reading
   * documents): `Authorization: Bearer <token>`. Valid while they are in the meeting.
   */
  token: z.string(),
  /**
   * How to come back after a lost connection: the credential for `resume` (this browser's
   * alone, replaced at every resume) and how long the server keeps one's place.
   */
  resume: z.object({ credential: ResumeCredential, graceSeconds: z.number().int().positive() }),
});

/**
 * Reply to `resume`: one is back in the meeting. The messages missed since `lastSeq` follow
 * (with their `seq`), or, when `snapshot` is true, a fresh `joined` (without `rid`) and new media.
 */
export const ResumedMessage = z.object({
  type: z.literal('resumed'),
  rid: RequestId.optional(),
  /** The credential for the next resume (the one presented is used up). */
  credential: ResumeCredential,
  snapshot: z.boolean(),
});

/**
 * Every server message to a joined participant carries `seq`, counting up from 1 for that
 * participant (replies, events, media offers alike; `pong` and `resumed` excepted). A client
 * keeps the highest it has seen and gives it in `resume`; a message whose seq it has already
 * seen (a replay overlapping what arrived) is dropped.
 */
export const Sequenced = z.object({ seq: z.number().int().positive() });

/**
 * Reply to `join` when the person must wait to be let in. Nothing else of the meeting reaches
 * them until `joined` (admitted) or `denied`.
 */
export const WaitingMessage = z.object({
  type: z.literal('waiting'),
  rid: RequestId.optional(),
  meeting: z.object({ id: z.string(), title: z.string() }),
});
export const DeniedMessage = z.object({ type: z.literal('denied') });
export const RemovedMessage = z.object({ type: z.literal('removed') });
/** To hosts and co-hosts: the waiting room changed. */
export const WaitingListMessage = z.object({ type: z.literal('waiting-list'), waiting: z.array(WaitingPerson) });
export const MeetingStateMessage = z.object({ type: z.literal('meeting-state'), state: MeetingState });
/** To one participant: a host turned their microphone or camera off. */
export const ModeratedMessage = z.object({ type: z.literal('moderated'), action: z.enum(['muted', 'video-stopped', 'unmute-requested', 'share-stopped']), by: z.string() });
/** Someone started or stopped speaking (from the media server's audio levels): the active speaker. */
export const SpeakingMessage = z.object({ type: z.literal('speaking'), participantId: z.string(), speaking: z.boolean() });
export const PollEventMessage = z.object({ type: z.literal('poll'), poll: PollView });
export const PollResultsMessage = z.object({ type: z.literal('poll-results'), results: PollResults });
/** The breakout rooms changed (opened, closing, closed, someone assigned or moved). */
export const BreakoutsMessage = z.object({ type: z.literal('breakouts'), state: BreakoutState });
/**
 * To one participant: they are now in another room (null: the main room). Their media is
 * rebuilt as after `media-reset`, which follows; `chat` is the new room's public chat.
 */
export const RoomChangedMessage = z.object({ type: z.literal('room-changed'), room: z.string().nullable(), chat: z.array(ChatMessage) });
/** To hosts and co-hosts: someone in a breakout room asks for help. */
export const BreakoutHelpEventMessage = z.object({ type: z.literal('breakout-help'), participantId: z.string(), name: z.string(), roomId: z.string() });
/** A host's message to every room. */
export const BreakoutMessageEvent = z.object({ type: z.literal('breakout-message'), from: z.string(), text: z.string() });
/** The meeting's documents changed (one uploaded, removed, or its download allowed). */
export const DocumentsMessage = z.object({ type: z.literal('documents'), documents: z.array(DocumentInfo) });
/** Everything drawn on a surface so far: sent on join and when the stage shows a new surface. */
export const AnnotationsMessage = z.object({ type: z.literal('annotations'), surface: z.string(), strokes: z.array(Stroke) });
/** Someone drew on, erased or cleared a surface. */
export const AnnotationMessage = z.object({ type: z.literal('annotation'), surface: z.string(), event: AnnotationEvent });
export const ChatEventMessage = z.object({ type: z.literal('chat'), message: ChatMessage });
export const ReactionEventMessage = z.object({ type: z.literal('reaction'), participantId: z.string(), reaction: Reaction });

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
  /** Where to send people (the meeting's redirect URL, else the deployment's). */
  redirectUrl: z.string().nullable(),
});

/**
 * The media server was restarted: every PeerConnection is dead. The client builds new ones,
 * publishes again with `publish` and answers the `subscribe-offer` that follows.
 */
export const MediaResetMessage = z.object({ type: z.literal('media-reset') });

/**
 * Amphi is stopping to restart (an upgrade): the connection closes next (1012) and the client
 * resumes by itself once the server answers again. The meeting goes on.
 */
export const RestartingMessage = z.object({ type: z.literal('restarting') });

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
  ResumedMessage,
  PublishAnswerMessage,
  SubscribeOfferMessage,
  ServerTrickleMessage,
  ParticipantJoinedMessage,
  ParticipantUpdatedMessage,
  ParticipantLeftMessage,
  MeetingEndedMessage,
  MediaResetMessage,
  RestartingMessage,
  OkMessage,
  PongMessage,
  ErrorMessage,
  WaitingMessage,
  DeniedMessage,
  RemovedMessage,
  WaitingListMessage,
  MeetingStateMessage,
  ModeratedMessage,
  ChatEventMessage,
  ReactionEventMessage,
  SpeakingMessage,
  PollEventMessage,
  PollResultsMessage,
  DocumentsMessage,
  AnnotationsMessage,
  AnnotationMessage,
  BreakoutsMessage,
  RoomChangedMessage,
  BreakoutHelpEventMessage,
  BreakoutMessageEvent,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

/** WebSocket close codes Amphi uses (4000–4999 are the application's). */
export const CLOSE_CODES = {
  meetingEnded: 4000,
  left: 4001,
  serverShutdown: 4002,
  denied: 4003,
  removed: 4004,
  /** The same participant resumed on a newer connection (this one is left behind). */
  replaced: 4005,
} as const;

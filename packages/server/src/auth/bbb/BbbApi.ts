import crypto from 'node:crypto';
import type { OneTimeStore } from '../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../shared/MemoryOneTimeStore.ts';
import { MAX_DISPLAY_NAME_LENGTH, MAX_MEETING_TITLE_LENGTH } from '@amphi/protocol';
import type { Logger } from '../../Logger.ts';
import type { MeetingRegistry } from '../../domain/MeetingRegistry.ts';
import { newMeetingId } from '../../domain/meetingId.ts';
import type { RecordingRecord } from '../../ports/RecordingCatalog.ts';
import type { BbbConsumer, BbbRepository, BbbSession, BbbSessionOptions } from '../../storage/BbbRepository.ts';
import type { MeetingRepository } from '../../storage/MeetingRepository.ts';
import type { RecordingRepository } from '../../storage/RecordingRepository.ts';
import type { RecordingShareRepository } from '../../storage/RecordingShareRepository.ts';
import type { UserRepository } from '../../storage/UserRepository.ts';
import { el, failed, isXmlName, success, type XmlElement } from './xml.ts';

/** What a BBB API call answers: XML (always HTTP 200, as BBB does) or, for `join`, a redirect. */
export type BbbAnswer = { kind: 'xml'; body: string } | { kind: 'redirect'; location: string };

export interface BbbApiDeps {
  bbb: BbbRepository;
  meetings: MeetingRepository;
  users: UserRepository;
  recordings: RecordingRepository;
  shares: RecordingShareRepository;
  live: MeetingRegistry;
  publicUrl: URL;
  log: Logger;
  /** Deletes a recording's files (absent: no recordings folder, records only). */
  removeFiles?: ((id: string) => Promise<void>) | undefined;
  /** Outgoing HTTP for the callbacks (tests replace it). */
  fetch?: typeof fetch;
  /** Where the consumer's recent calls are noted (ADR 8), so that any node takes the join; default: this process's memory. */
  oneTime?: OneTimeStore | undefined;
  now?: () => number;
}

/** BBB's defaults (bbb-web): a session nobody joined ends after 5 min, an emptied one after 1. */
const EXPIRE_UNJOINED_MS = 5 * 60_000;
const EXPIRE_EMPTY_MS = 60_000;
const CALLBACK_TIMEOUT_MS = 5_000;
/**
 * A join URL holds no time of its own (Moodle signs the same URL for the same person on every
 * click), so its validity is read from the consumer's calls: on every click Moodle asks for the
 * meeting (getMeetingInfo, create) a moment before the browser follows the URL. A join is taken
 * only this soon after such a call, so a leaked URL is not a key to the meeting for its whole life.
 */
export const JOIN_WINDOW_MS = 2 * 60_000;
/** Moodle's join URL has no createTime only on the click that created the session: such a URL is good this long. */
export const FIRST_JOIN_WINDOW_MS = 60_000;
/** Calls are noted by time slots of this length: the window is JOIN_WINDOW_MS to JOIN_WINDOW_MS + one slot. */
const ASKED_SLOT_MS = 30_000;
/** The calls that say a consumer is about to send someone to a meeting. */
const ASKING = new Set(['create', 'getMeetingInfo', 'isMeetingRunning']);

const xml = (body: string): BbbAnswer => ({ kind: 'xml', body });
const notFound = () => xml(failed('notFound', 'A meeting with that ID does not exist'));
const bool = (v: string | undefined) => v?.toLowerCase() === 'true';

/**
 * The BigBlueButton API's meaning, over Amphi's meetings, for one consumer at a time (the HTTP
 * edge has checked the checksum and found the consumer). A BBB meeting (consumer, meetingID)
 * is backed by one Amphi meeting owned by the consumer's service account; each `create` after
 * the previous session ended starts a session with a new internalMeetingID, which is also the
 * recordID of what was recorded in it.
 */
export class BbbApi {
  readonly #d: BbbApiDeps;
  readonly #now: () => number;
  /** When each open session was last seen with someone in it (in memory: a restart grants a minute). */
  readonly #lastOccupied = new Map<string, number>();
  /** Creates of one meetingID run one after the other, so two teachers clicking together get one session. */
  readonly #creating = new Map<string, Promise<unknown>>();
  /**
   * That the consumer asked about a meetingID lately (see JOIN_WINDOW_MS), noted in the one-time
   * store by time slot, so that the node the browser's join reaches knows of a call made to another.
   */
  readonly #asked: OneTimeStore;

  constructor(deps: BbbApiDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#asked = deps.oneTime ?? new MemoryOneTimeStore();
  }

  #slotKey(consumer: BbbConsumer, meetingID: string, slot: number): string {
    return `${consumer.id}\n${meetingID}\n${slot}`;
  }

  /** Notes a call about the meeting in the current time slot (kept a little longer than the window). */
  async #noteAsked(consumer: BbbConsumer, meetingID: string): Promise<void> {
    await this.#asked.put('bbb.asked', this.#slotKey(consumer, meetingID, Math.floor(this.#now() / ASKED_SLOT_MS)), true, JOIN_WINDOW_MS + 2 * ASKED_SLOT_MS);
  }

  /** Whether the consumer asked about the meeting within the window (to the slot: at most ASKED_SLOT_MS more). */
  async #askedLately(consumer: BbbConsumer, meetingID: string): Promise<boolean> {
    const slot = Math.floor(this.#now() / ASKED_SLOT_MS);
    for (let back = 0; back <= JOIN_WINDOW_MS / ASKED_SLOT_MS; back++) {
      if (await this.#asked.peek('bbb.asked', this.#slotKey(consumer, meetingID, slot - back))) return true;
    }
    return false;
  }

  async call(consumer: BbbConsumer, action: string, params: Map<string, string>): Promise<BbbAnswer> {
    const meetingID = params.get('meetingID');
    if (ASKING.has(action) && meetingID) await this.#noteAsked(consumer, meetingID);
    switch (action) {
      case '':
        return xml(this.version());
      case 'create':
        return this.#serial(`${consumer.id}\n${params.get('meetingID') ?? ''}`, () => this.create(consumer, params));
      case 'getMeetingInfo':
        return this.getMeetingInfo(consumer, params);
      case 'join':
        return this.join(consumer, params);
      case 'end':
        return this.end(consumer, params);
      case 'isMeetingRunning':
        return this.isMeetingRunning(consumer, params);
      case 'getMeetings':
        return this.getMeetings(consumer);
      case 'getRecordings':
        return this.getRecordings(consumer, params);
      case 'publishRecordings':
        return this.publishRecordings(consumer, params);
      case 'updateRecordings':
        return this.updateRecordings(consumer, params);
      case 'deleteRecordings':
        return this.deleteRecordings(consumer, params);
      default:
        return xml(failed('unsupportedRequest', 'This request is not supported.'));
    }
  }

  /** The version probe's answer: Moodle refuses to show the activity without it. */
  version(): string {
    return success([el('version', '2.0'), el('apiVersion', '2.0'), el('bbbVersion', 'amphi')]);
  }

  async #serial<T>(key: string, run: () => Promise<T>): Promise<T> {
    const before = this.#creating.get(key) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(run);
    this.#creating.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.#creating.get(key) === mine) this.#creating.delete(key);
    }
  }

  async create(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const meetingID = p.get('meetingID')?.trim();
    if (!meetingID) return xml(failed('missingParamMeetingID', 'You must specify a meeting ID for the meeting.'));
    if (meetingID.length > 256) return xml(failed('invalidMeetingIdentifier', 'Meeting id must be at most 256 characters.'));
    const existing = await this.#openSession(consumer, meetingID);
    if (existing) return xml(success([...this.#createFields(existing), el('messageKey', 'duplicateWarning'), el('message', 'This conference was already in existence and may currently be in progress.')]));

    // The consumer's meetings are hosted under its service account's licence: revoking it in
    // the console stops new sessions (running ones go on).
    const owner = await this.#d.users.byId(consumer.serviceUserId);
    if (!owner?.licensed) return xml(failed('licenceRequired', 'The Amphi account of this API consumer holds no host licence; ask an Amphi administrator.'));

    const name = (p.get('name')?.trim() || meetingID).slice(0, MAX_MEETING_TITLE_LENGTH);
    const maxParticipants = Number.parseInt(p.get('maxParticipants') ?? '', 10);
    const logout = httpUrl(p.get('logoutURL'));
    const guestPolicy = p.get('guestPolicy')?.toUpperCase();
    const options: BbbSessionOptions = {
      attendeePW: p.get('attendeePW') ?? crypto.randomBytes(9).toString('base64url'),
      moderatorPW: p.get('moderatorPW') ?? crypto.randomBytes(9).toString('base64url'),
      record: bool(p.get('record')),
      guestPolicy: guestPolicy === 'ASK_MODERATOR' || guestPolicy === 'ALWAYS_DENY' ? guestPolicy : 'ALWAYS_ACCEPT',
      maxParticipants: Number.isFinite(maxParticipants) && maxParticipants > 0 ? maxParticipants : null,
      logoutURL: logout,
      voiceBridge: /^\d{1,10}$/.test(p.get('voiceBridge') ?? '') ? p.get('voiceBridge')! : String(70000 + crypto.randomInt(10000)),
    };
    const meta: Record<string, string> = {};
    for (const [key, value] of p) if (key.startsWith('meta_') && key.length > 5) meta[key.slice(5).toLowerCase()] = value;

    // Whoever holds the Amphi link without a ticket waits for a host to let them in; a ticket
    // (BBB `join`) decides for its holder.
    const settings = { waitingRoom: true, capacity: options.maxParticipants, redirectUrl: logout };
    let amphiId = await this.#d.bbb.amphiMeetingOf(consumer.id, meetingID);
    if (amphiId && (await this.#d.meetings.update(amphiId, owner.id, { title: name, settings }))) {
      this.#d.live.get(amphiId)?.applySettings((await this.#d.meetings.byId(amphiId))!.settings);
    } else {
      amphiId = newMeetingId();
      await this.#d.meetings.create({ id: amphiId, title: name, ownerId: owner.id, now: new Date(this.#now()), settings, description: `BigBlueButton API: ${consumer.name}` });
      await this.#d.bbb.mapMeeting(consumer.id, meetingID, amphiId).catch(async (err: unknown) => {
        // A stale mapping to a deleted meeting: point it at the new one.
        await this.#d.bbb.deleteMapping(consumer.id, meetingID);
        await this.#d.bbb.mapMeeting(consumer.id, meetingID, amphiId!).catch(() => Promise.reject(err));
      });
    }
    const createTime = this.#now();
    const session: BbbSession = {
      id: `${crypto.createHash('sha1').update(`${consumer.id}\n${meetingID}`).digest('hex')}-${createTime}`,
      consumerId: consumer.id,
      meetingId: meetingID,
      amphiMeetingId: amphiId,
      name,
      createTime,
      options,
      meta,
      joinedAt: null,
      endedAt: null,
      published: true,
      deleted: false,
      readyNotifiedAt: null,
    };
    await this.#d.bbb.createSession(session);
    this.#d.log.info('bbb session created', { consumer: consumer.id, meetingID, session: session.id, meeting: amphiId });
    return xml(success(this.#createFields(session)));
  }

  #createFields(s: BbbSession): XmlElement[] {
    return [
      el('meetingID', s.meetingId),
      el('internalMeetingID', s.id),
      el('parentMeetingID', 'bbb-none'),
      el('attendeePW', s.options.attendeePW),
      el('moderatorPW', s.options.moderatorPW),
      el('createTime', s.createTime),
      el('voiceBridge', s.options.voiceBridge),
      el('dialNumber', ''),
      el('createDate', new Date(s.createTime).toUTCString()),
      el('hasUserJoined', s.joinedAt !== null),
      el('duration', 0),
      el('hasBeenForciblyEnded', false),
    ];
  }

  async getMeetingInfo(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const session = await this.#openSession(consumer, p.get('meetingID') ?? '');
    if (!session) return notFound();
    return xml(success(this.#meetingFields(session)));
  }

  #meetingFields(s: BbbSession): XmlElement[] {
    const live = this.#d.live.get(s.amphiMeetingId);
    const people = live && !live.ended ? live.participants() : [];
    const moderators = people.filter((x) => x.role === 'host' || x.role === 'cohost');
    const started = people.length > 0 ? Math.min(...people.map((x) => x.joinedAt.getTime())) : 0;
    return [
      el('meetingName', s.name),
      el('meetingID', s.meetingId),
      el('internalMeetingID', s.id),
      el('createTime', s.createTime),
      el('createDate', new Date(s.createTime).toUTCString()),
      el('voiceBridge', s.options.voiceBridge),
      el('dialNumber', ''),
      el('attendeePW', s.options.attendeePW),
      el('moderatorPW', s.options.moderatorPW),
      el('running', people.length > 0),
      el('duration', 0),
      el('hasUserJoined', s.joinedAt !== null || people.length > 0),
      el('recording', live?.state.recording.active ?? false),
      el('hasBeenForciblyEnded', false),
      el('startTime', s.joinedAt ? Date.parse(s.joinedAt) : started),
      el('endTime', 0),
      el('participantCount', people.length),
      el('listenerCount', 0),
      el('voiceParticipantCount', people.filter((x) => x.audio).length),
      el('videoCount', people.filter((x) => x.video).length),
      el('maxUsers', s.options.maxParticipants ?? 0),
      el('moderatorCount', moderators.length),
      el(
        'attendees',
        people.map((x) =>
          el('attendee', [
            el('userID', x.externalUserId ?? x.id),
            el('fullName', x.name),
            el('role', x.role === 'participant' ? 'VIEWER' : 'MODERATOR'),
            el('isPresenter', x.sharing),
            el('isListeningOnly', false),
            el('hasJoinedVoice', x.audio),
            el('hasVideo', x.video),
            el('clientType', 'HTML5'),
          ]),
        ),
      ),
      el('metadata', metadataElements(s.meta)),
      el('isBreakout', false),
    ];
  }

  async join(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const meetingID = p.get('meetingID') ?? '';
    const fullName = (p.get('fullName') ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_DISPLAY_NAME_LENGTH).trim();
    if (!meetingID) return xml(failed('missingParamMeetingID', 'You must specify a meeting ID for the meeting.'));
    if (!fullName) return xml(failed('missingParamFullName', 'You must specify a name for the attendee who will be joining the meeting.'));
    const session = await this.#openSession(consumer, meetingID);
    if (!session) return notFound();
    const createTime = p.get('createTime');
    if (createTime !== undefined && createTime !== '' && createTime !== String(session.createTime)) {
      return xml(failed('mismatchCreateTimeParam', 'The createTime parameter submitted mismatches with the current meeting. Go back and join again.'));
    }
    const now = this.#now();
    if ((createTime === undefined || createTime === '') && now - session.createTime > FIRST_JOIN_WINDOW_MS) {
      return xml(failed('mismatchCreateTimeParam', 'This join link has expired (it names no createTime and the meeting was created over a minute ago). Go back and join again.'));
    }
    if (!(await this.#askedLately(consumer, meetingID))) {
      this.#d.log.info('bbb join refused: no call for this meeting lately', { consumer: consumer.id, meetingID });
      return xml(failed('joinLinkExpired', 'This join link has expired. Go back and join again.'));
    }
    // `role` wins over the password (BBB 2.4 and later); the password still works alone.
    const role = p.get('role')?.toUpperCase();
    const password = p.get('password');
    let moderator: boolean;
    if (role === 'MODERATOR' || role === 'VIEWER') moderator = role === 'MODERATOR';
    else if (password !== undefined && equalText(password, session.options.moderatorPW)) moderator = true;
    else if (password !== undefined && equalText(password, session.options.attendeePW)) moderator = false;
    else return xml(failed('invalidPassword', 'You either did not supply a password or the password supplied is neither the attendee or moderator password for this conference.'));
    const guest = bool(p.get('guest'));
    if (guest && session.options.guestPolicy === 'ALWAYS_DENY') return xml(failed('guestDeny', 'Guests are not allowed to join this meeting.'));
    const live = this.#d.live.get(session.amphiMeetingId);
    if (session.options.maxParticipants !== null && live && !live.ended && live.size >= session.options.maxParticipants) {
      return xml(failed('maxParticipantsReached', 'The number of participants allowed for this meeting has been reached.'));
    }
    const ticket = await this.#d.live.tickets.issue({
      meetingId: session.amphiMeetingId,
      name: fullName,
      role: moderator && !guest ? 'host' : 'participant',
      waitingRoom: guest && session.options.guestPolicy === 'ASK_MODERATOR',
      externalUserId: p.get('userID') || undefined,
      mayRecord: session.options.record,
    });
    const location = new URL(`/m/${session.amphiMeetingId}`, this.#d.publicUrl);
    location.searchParams.set('ticket', ticket);
    location.searchParams.set('name', fullName);
    const locale = p.get('userdata-bbb_override_default_locale');
    if (locale && /^[a-z]{2,3}([_-][a-z]{2,4})?$/i.test(locale)) location.searchParams.set('lang', locale.replace('_', '-').toLowerCase());
    return { kind: 'redirect', location: location.toString() };
  }

  async end(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const session = await this.#openSession(consumer, p.get('meetingID') ?? '');
    if (!session) return notFound();
    const password = p.get('password');
    if (password !== undefined && !equalText(password, session.options.moderatorPW)) {
      return xml(failed('invalidPassword', 'You must supply the moderator password for this call.'));
    }
    await this.#endSession(session, 'ended');
    return xml(success([el('messageKey', 'sentEndMeetingRequest'), el('message', 'A request to end the meeting was sent. Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.')]));
  }

  async isMeetingRunning(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const session = await this.#openSession(consumer, p.get('meetingID') ?? '');
    const live = session ? this.#d.live.get(session.amphiMeetingId) : undefined;
    return xml(success([el('running', Boolean(live && !live.ended && live.size > 0))]));
  }

  async getMeetings(consumer: BbbConsumer): Promise<BbbAnswer> {
    const open: BbbSession[] = [];
    for (const s of await this.#d.bbb.openSessions(consumer.id)) if (await this.#stillOpen(s)) open.push(s);
    if (open.length === 0) return xml(success([el('meetings', null), el('messageKey', 'noMeetings'), el('message', 'no meetings were found on this server')]));
    return xml(success([el('meetings', open.map((s) => el('meeting', this.#meetingFields(s))))]));
  }

  async getRecordings(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const recordIds = list(p.get('recordID'));
    const meetingIds = list(p.get('meetingID'));
    let sessions: BbbSession[];
    if (recordIds.length > 0) sessions = await this.#d.bbb.sessionsByIds(consumer.id, recordIds);
    else if (meetingIds.length > 0) sessions = await this.#d.bbb.sessionsOfMeetings(consumer.id, meetingIds);
    else sessions = [];
    const states = list(p.get('state')).map((s) => s.toLowerCase());
    const items: XmlElement[] = [];
    const owned = await this.#ownedRecordings(consumer);
    for (const s of sessions) {
      if (s.deleted) continue;
      const recording = this.#recordingOf(s, owned);
      if (!recording) continue;
      const state = recording.status === 'ready' ? (s.published ? 'published' : 'unpublished') : recording.status === 'failed' ? 'deleted' : 'processing';
      if (recording.status === 'failed') continue;
      if (states.length > 0 && !states.includes('any') && !states.includes(state)) continue;
      items.push(await this.#recordingElement(consumer, s, recording, state));
    }
    if (items.length === 0) return xml(success([el('recordings', null), el('messageKey', 'noRecordings'), el('message', 'There are no recordings for the meeting(s).')]));
    return xml(success([el('recordings', items)]));
  }

  async #recordingElement(consumer: BbbConsumer, s: BbbSession, r: RecordingRecord, state: string): Promise<XmlElement> {
    const lengthMin = Math.max(1, Math.round((r.durationS ?? 0) / 60));
    const endMs = r.endedAt ? Date.parse(r.endedAt) : this.#now();
    const playback: XmlElement[] = [];
    if (r.status === 'ready' && s.published) {
      const url = await this.#playbackUrl(consumer, r);
      playback.push(el('format', [el('type', 'video'), el('url', url), el('processingTime', 0), el('length', lengthMin)]));
    }
    return el('recording', [
      el('recordID', s.id),
      el('meetingID', s.meetingId),
      el('internalMeetingID', s.id),
      el('name', s.name),
      el('isBreakout', false),
      el('published', s.published),
      el('state', state),
      el('startTime', Date.parse(r.startedAt)),
      el('endTime', endMs),
      el('participants', 0),
      el('rawSize', r.bytes ?? 0),
      el('metadata', metadataElements({ isBreakout: 'false', meetingId: s.meetingId, meetingName: s.name, ...s.meta })),
      el('size', r.bytes ?? 0),
      el('playback', playback),
      el('data', null),
    ]);
  }

  /**
   * A link the browser plays directly (Moodle hands it over as a redirect): a share link of the
   * recording made by the consumer's service account, kept until the recording is unpublished
   * or deleted.
   */
  async #playbackUrl(consumer: BbbConsumer, r: RecordingRecord): Promise<string> {
    const now = new Date(this.#now());
    let share = (await this.#d.shares.listFor(r.id, now)).find((x) => x.createdBy === consumer.serviceUserId && x.passcodeHash === null && x.expiresAt === null);
    share ??= await this.#d.shares.create({ id: crypto.randomBytes(24).toString('base64url'), recordingId: r.id, passcodeHash: null, expiresAt: null, createdBy: consumer.serviceUserId, now });
    return new URL(`/r/${share.id}`, this.#d.publicUrl).toString();
  }

  async #ownedRecordings(consumer: BbbConsumer): Promise<RecordingRecord[]> {
    return this.#d.recordings.listByOwner(consumer.serviceUserId);
  }

  /** The session's recording: the first made in its Amphi meeting between its create and its end. */
  #recordingOf(s: BbbSession, owned: RecordingRecord[]): RecordingRecord | undefined {
    const from = s.createTime;
    const to = s.endedAt ? Date.parse(s.endedAt) : Infinity;
    return owned
      .filter((r) => r.meetingId === s.amphiMeetingId && Date.parse(r.startedAt) >= from && Date.parse(r.startedAt) <= to)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
      .find((r) => r.status !== 'failed');
  }

  async #recordSessions(consumer: BbbConsumer, p: Map<string, string>): Promise<{ sessions: BbbSession[]; owned: RecordingRecord[] } | undefined> {
    const ids = list(p.get('recordID'));
    if (ids.length === 0) return undefined;
    const owned = await this.#ownedRecordings(consumer);
    const sessions = (await this.#d.bbb.sessionsByIds(consumer.id, ids)).filter((s) => !s.deleted && this.#recordingOf(s, owned));
    return sessions.length === ids.length ? { sessions, owned } : undefined;
  }

  async publishRecordings(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    const publish = p.get('publish')?.toLowerCase();
    if (list(p.get('recordID')).length === 0) return xml(failed('missingParamRecordID', 'You must specify one or more a record IDs.'));
    if (publish !== 'true' && publish !== 'false') return xml(failed('missingParamPublish', 'You must specify a publish value true or false.'));
    const found = await this.#recordSessions(consumer, p);
    if (!found) return xml(failed('notFound', 'We could not find recordings'));
    for (const s of found.sessions) await this.#setPublished(consumer, s, found.owned, publish === 'true');
    return xml(success([el('published', publish === 'true')]));
  }

  async #setPublished(consumer: BbbConsumer, s: BbbSession, owned: RecordingRecord[], published: boolean): Promise<void> {
    await this.#d.bbb.update(s.id, { published });
    if (published) return;
    // Unpublished: the playback links handed out so far stop working.
    const r = this.#recordingOf(s, owned);
    if (!r) return;
    for (const share of await this.#d.shares.listFor(r.id, new Date(this.#now()))) if (share.createdBy === consumer.serviceUserId) await this.#d.shares.revoke(r.id, share.id);
  }

  async updateRecordings(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    if (list(p.get('recordID')).length === 0) return xml(failed('missingParamRecordID', 'You must specify one or more a record IDs.'));
    const found = await this.#recordSessions(consumer, p);
    if (!found) return xml(failed('notFound', 'We could not find recordings'));
    // Every meta_* is a metadata update (an empty value removes it, as BBB does); Moodle's echo
    // of the rest of its recording array is ignored, except `published`, which its mock honours.
    for (const s of found.sessions) {
      const meta = { ...s.meta };
      for (const [key, value] of p) {
        if (!key.startsWith('meta_') || key.length <= 5) continue;
        const name = key.slice(5).toLowerCase();
        if (value === '') delete meta[name];
        else meta[name] = value;
      }
      await this.#d.bbb.update(s.id, { meta });
      const published = p.get('published')?.toLowerCase();
      if (published === 'true' || published === 'false') await this.#setPublished(consumer, s, found.owned, published === 'true');
    }
    return xml(success([el('updated', true)]));
  }

  async deleteRecordings(consumer: BbbConsumer, p: Map<string, string>): Promise<BbbAnswer> {
    if (list(p.get('recordID')).length === 0) return xml(failed('missingParamRecordID', 'You must specify one or more a record IDs.'));
    const found = await this.#recordSessions(consumer, p);
    if (!found) return xml(failed('notFound', 'We could not find recordings'));
    for (const s of found.sessions) {
      const r = this.#recordingOf(s, found.owned);
      // A recording still being made stays; the session is hidden from getRecordings at once.
      if (r && (r.status === 'ready' || r.status === 'failed')) {
        await this.#d.removeFiles?.(r.id);
        await this.#d.recordings.delete(r.id);
        this.#d.log.info('recording deleted', { reason: 'bbb-api', consumer: consumer.id, recording: r.id, session: s.id });
      }
      await this.#d.bbb.update(s.id, { deleted: true });
    }
    return xml(success([el('deleted', true)]));
  }

  /** The open session of a meetingID, after ending it if it has expired. */
  async #openSession(consumer: BbbConsumer, meetingID: string): Promise<BbbSession | undefined> {
    if (!meetingID) return undefined;
    const s = await this.#d.bbb.openSession(consumer.id, meetingID);
    return s && (await this.#stillOpen(s)) ? s : undefined;
  }

  /** Applies BBB's expiry rules to an open session; false when it has (now) ended. */
  async #stillOpen(s: BbbSession): Promise<boolean> {
    const now = this.#now();
    const live = this.#d.live.get(s.amphiMeetingId);
    const occupied = Boolean(live && !live.ended && (live.size > 0 || live.waitingList().length > 0));
    if (occupied) {
      this.#lastOccupied.set(s.id, now);
      if (!s.joinedAt) {
        s.joinedAt = new Date(now).toISOString();
        await this.#d.bbb.update(s.id, { joinedAt: s.joinedAt });
      }
      return true;
    }
    let since = s.createTime;
    let limit = EXPIRE_UNJOINED_MS;
    if (s.joinedAt) {
      limit = EXPIRE_EMPTY_MS;
      since = this.#lastOccupied.get(s.id) ?? now;
      this.#lastOccupied.set(s.id, since);
    }
    if (now - since <= limit) return true;
    await this.#endSession(s, 'expired');
    return false;
  }

  async #endSession(s: BbbSession, reason: 'ended' | 'expired'): Promise<void> {
    this.#lastOccupied.delete(s.id);
    if (!(await this.#d.bbb.end(s.id, new Date(this.#now())))) return;
    s.endedAt = new Date(this.#now()).toISOString();
    this.#d.live.get(s.amphiMeetingId)?.terminate('ended-by-host');
    this.#d.log.info('bbb session ended', { session: s.id, reason });
    const endUrl = httpUrl(s.meta['endcallbackurl']);
    if (endUrl) {
      const url = new URL(endUrl);
      url.searchParams.set('meetingID', s.meetingId);
      url.searchParams.set('recordingmarks', String(s.options.record && this.#recordingOf(s, await this.#d.recordings.listByOwner((await this.#consumerOf(s))?.serviceUserId ?? '')) !== undefined));
      void this.#callback(url.toString(), { method: 'GET' });
    }
  }

  async #consumerOf(s: BbbSession): Promise<BbbConsumer | undefined> {
    return (await this.#d.bbb.consumers()).find((c) => c.id === s.consumerId);
  }

  /**
   * The periodic pass: ends expired sessions, and tells the consumer when the recording of an
   * ended session is ready (`meta_bbb-recording-ready-url`, or `meta_bn-recording-ready-url`
   * from Moodle 4.2 and earlier): a POST of `signed_parameters`, a JWT (HS256) signed with the
   * consumer's secret, as BBB sends it.
   */
  async tick(): Promise<void> {
    for (const s of await this.#d.bbb.openSessions()) await this.#stillOpen(s);
    const consumers = new Map((await this.#d.bbb.consumers()).map((c) => [c.id, c]));
    for (const s of await this.#d.bbb.endedAwaitingNotice()) {
      const consumer = consumers.get(s.consumerId);
      if (!consumer) continue;
      const r = this.#recordingOf(s, await this.#ownedRecordings(consumer));
      if (r && r.status !== 'ready') continue;
      await this.#d.bbb.update(s.id, { readyNotifiedAt: new Date(this.#now()).toISOString() });
      const target = httpUrl(s.meta['bbb-recording-ready-url'] ?? s.meta['bn-recording-ready-url']);
      if (!r || !target) continue;
      const token = signHs256({ meeting_id: s.meetingId, record_id: s.id }, consumer.secret);
      void this.#callback(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ signed_parameters: token }).toString() });
    }
  }

  async #callback(url: string, init: RequestInit): Promise<void> {
    try {
      const res = await (this.#d.fetch ?? fetch)(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS) });
      this.#d.log.info('bbb callback sent', { url: new URL(url).origin + new URL(url).pathname, status: res.status });
    } catch (err) {
      this.#d.log.warn('bbb callback failed', { url: new URL(url).origin, err: String(err) });
    }
  }
}

/** A compact HS256 JWT (header.payload.signature, base64url), as BBB signs its callbacks. */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
  const body = `${part({ typ: 'JWT', alg: 'HS256' })}.${part(payload)}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function metadataElements(meta: Record<string, string>): XmlElement[] {
  return Object.entries(meta)
    .filter(([k]) => isXmlName(k))
    .map(([k, v]) => el(k, v));
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .slice(0, 100);
}

function httpUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function equalText(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

import crypto from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { MAX_DISPLAY_NAME_LENGTH, MAX_MEETING_TITLE_LENGTH } from '@amphi/protocol';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../Logger.ts';
import type { MeetingRegistry } from '../../domain/MeetingRegistry.ts';
import { newMeetingId } from '../../domain/meetingId.ts';
import type { LtiRegistration, LtiRepository } from '../../storage/LtiRepository.ts';
import type { MeetingRecord, MeetingRepository } from '../../storage/MeetingRepository.ts';
import type { UserRepository } from '../../storage/UserRepository.ts';
import { verifyLaunch, type Launch } from './launchToken.ts';
import { OneUseTokens } from './OneUseTokens.ts';
import type { OneTimeStore } from '../../ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from '../../shared/MemoryOneTimeStore.ts';
import { amphiRoleOf, type LtiRole } from './roles.ts';
import type { ToolKeys } from './ToolKeys.ts';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

/** The custom parameter a deep-linked activity carries: the Amphi meeting it stands for. */
export const MEETING_PARAMETER = 'amphi_meeting';

/** What the platform posts to the initiate-login URL (or sends in its query). */
export interface LoginRequest {
  iss?: string | undefined;
  login_hint?: string | undefined;
  target_link_uri?: string | undefined;
  lti_message_hint?: string | undefined;
  client_id?: string | undefined;
  lti_deployment_id?: string | undefined;
}

/** A login under way: kept server-side under its `state` (see OneUseTokens for why not a cookie). */
interface PendingLogin {
  registrationId: string;
  nonce: string;
}

/** A teacher's deep-linking request, between the picker page and its answer. */
export interface DeepLinkRequest {
  registrationId: string;
  deploymentId: string;
  /** The course (LTI context) the picker was opened from: it offers this course's meetings only. */
  contextId: string;
  returnUrl: string;
  data: string | undefined;
  contextTitle: string | undefined;
  locale: string | undefined;
  /** The course services the request named (Names and Roles, groups), for the breakout rooms option. */
  membershipsUrl: string | undefined;
  groupsUrl: string | undefined;
}

/** What a validated launch leads to; the HTTP edge turns each into a page or a redirect. */
export type LaunchOutcome =
  | { kind: 'join'; role: LtiRole; meetingId: string; joinUrl: string; inFrame: boolean; locale: string | undefined; platformOrigin: string; breakoutGrant: string | undefined }
  | { kind: 'wait'; locale: string | undefined; platformOrigin: string; title: string }
  | { kind: 'deep-link'; token: string; request: DeepLinkRequest; meetings: MeetingRecord[]; platformOrigin: string };

/** A login may sit at the platform this long (Moodle answers at once; a slow session recovery takes a few seconds). */
const LOGIN_TTL_MS = 5 * 60_000;
/** A teacher may take this long to name a meeting in the picker. */
const DEEP_LINK_TTL_MS = 30 * 60_000;
/** How long an instructor's launch page offers to fill breakout rooms from the course groups. */
const BREAKOUT_GRANT_TTL_MS = 2 * 60 * 60_000;

export interface LtiToolDeps {
  lti: LtiRepository;
  meetings: MeetingRepository;
  users: UserRepository;
  live: MeetingRegistry;
  keys: ToolKeys;
  publicUrl: URL;
  log: Logger;
  /** The platform's keyset (tests may replace it); default: fetched from its JWKS URL and cached. */
  platformKeys?: (registration: LtiRegistration) => JWTVerifyGetKey;
  /** Where logins, deep links and grants under way are kept (ADR 8); default: this process's memory. */
  oneTime?: OneTimeStore;
  now?: () => number;
}

/**
 * Amphi as an LTI 1.3 tool (moodle.md C): third-party login initiation, launch validation, one
 * meeting per resource link owned by the registration's service account (which holds the host
 * licence, as a BBB consumer's does), join tickets for the pre-join page, and deep linking.
 */
export class LtiTool {
  readonly #d: LtiToolDeps;
  readonly #now: () => number;
  readonly #logins: OneUseTokens<PendingLogin>;
  readonly #deepLinks: OneUseTokens<DeepLinkRequest>;
  /** Breakout grants: an instructor's launch page may fill the meeting's plan from the course groups. */
  readonly breakoutGrants: OneUseTokens<{ meetingId: string; locale: string | undefined }>;
  readonly #keysets = new Map<string, JWTVerifyGetKey>();
  /** First launches of one resource link run one after the other, so two teachers get one meeting. */
  readonly #linking = new Map<string, Promise<unknown>>();

  constructor(deps: LtiToolDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    const store = deps.oneTime ?? new MemoryOneTimeStore(this.#now);
    this.#logins = new OneUseTokens('lti.login', LOGIN_TTL_MS, store);
    this.#deepLinks = new OneUseTokens('lti.deep-link', DEEP_LINK_TTL_MS, store);
    this.breakoutGrants = new OneUseTokens('lti.breakout-grant', BREAKOUT_GRANT_TTL_MS, store);
  }

  /** The one URL the platform posts launches to (resource links and deep linking alike). */
  get launchUrl(): string {
    return new URL('/lti/launch', this.#d.publicUrl).toString();
  }

  /**
   * Third-party login initiation (C.3): checks that the platform is registered, remembers a
   * state and nonce, and answers the platform's authentication URL to send the browser to.
   */
  async login(req: LoginRequest): Promise<URL> {
    if (!req.iss || !req.login_hint || !req.target_link_uri) throw new AppError('lti.launch_refused', 'the login request lacks iss, login_hint or target_link_uri');
    const registration = await this.#d.lti.find(req.iss, req.client_id || undefined);
    if (!registration) throw new AppError('lti.launch_refused', 'this platform (issuer and client id) is not registered in Amphi');
    if (req.lti_deployment_id && !registration.deploymentIds.includes(req.lti_deployment_id)) throw new AppError('lti.launch_refused', `deployment "${req.lti_deployment_id}" is not registered for this platform`);
    if (!this.#isAmphiUrl(req.target_link_uri)) throw new AppError('lti.launch_refused', 'the target link is not an Amphi URL');
    const nonce = crypto.randomBytes(24).toString('base64url');
    const state = await this.#logins.issue({ registrationId: registration.id, nonce });
    const auth = new URL(registration.authUrl);
    const params: Record<string, string> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: registration.clientId,
      redirect_uri: this.launchUrl,
      login_hint: req.login_hint,
      state,
      nonce,
    };
    // Echoed unchanged: Moodle finds the launch in the user's session by it.
    if (req.lti_message_hint !== undefined) params.lti_message_hint = req.lti_message_hint;
    for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
    return auth;
  }

  /** The platform's answer to the authentication request: validates the token and acts on it. */
  async launch(form: { id_token?: string | undefined; state?: string | undefined; error?: string | undefined; error_description?: string | undefined }): Promise<LaunchOutcome> {
    const pending = form.state ? await this.#logins.take(form.state) : undefined;
    if (form.error) throw new AppError('lti.launch_refused', `the platform refused the login: ${form.error}${form.error_description ? ` (${form.error_description})` : ''}`);
    if (!pending) throw new AppError('lti.launch_refused', 'this launch does not belong to a login Amphi started (unknown, expired or already used state); launch again from the course');
    if (!form.id_token) throw new AppError('lti.launch_refused', 'the launch carries no id_token');
    const registration = await this.#d.lti.registration(pending.registrationId);
    if (!registration) throw new AppError('lti.launch_refused', 'this platform is no longer registered in Amphi');
    const launch = await verifyLaunch(form.id_token, {
      keys: this.#keysOf(registration),
      issuer: registration.issuer,
      clientId: registration.clientId,
      nonce: pending.nonce,
      deploymentIds: registration.deploymentIds,
      now: new Date(this.#now()),
    });
    if (launch.targetLinkUri !== undefined && !this.#isAmphiUrl(launch.targetLinkUri)) throw new AppError('lti.launch_refused', 'the target link is not an Amphi URL');
    const platformOrigin = new URL(registration.issuer).origin;
    if (launch.messageType === 'LtiDeepLinkingRequest') return this.#deepLinkPage(registration, launch, platformOrigin);
    return this.#resourceLaunch(registration, launch, platformOrigin);
  }

  async #resourceLaunch(registration: LtiRegistration, launch: Launch, platformOrigin: string): Promise<LaunchOutcome> {
    const role = amphiRoleOf(launch.roles);
    const link = { registrationId: registration.id, deploymentId: launch.deploymentId, contextId: launch.context?.id ?? '', resourceLinkId: launch.resourceLink!.id };
    const services = { membershipsUrl: launch.membershipsUrl ?? null, groupsUrl: launch.groupsUrl ?? null };
    const key = JSON.stringify(link);
    const meeting = await this.#serial(key, async () => {
      const existing = await this.#d.lti.resourceLink(link);
      // A deep-linked activity names its meeting; it wins over an older mapping (Moodle may give
      // the activity new resource link ids). Only a meeting of this course: a teacher of another
      // course who types a meeting id into the activity's custom parameters hosts nothing of
      // theirs, and a copied course gets meetings of its own.
      const named = launch.custom[MEETING_PARAMETER];
      if (named) {
        const record = await this.#d.meetings.byId(named);
        if (record && record.ownerId === registration.serviceUserId && (await this.#d.lti.inContext(registration.id, link.contextId, record.id))) {
          if (existing?.amphiMeetingId !== record.id) await this.#d.lti.mapResourceLink({ ...link, ...services, amphiMeetingId: record.id }, new Date(this.#now()), true);
          return record;
        }
        if (record) this.#d.log.warn('lti launch names a meeting of another course: ignored', { registration: registration.id, context: link.contextId, meeting: record.id });
      }
      if (existing) {
        const record = await this.#d.meetings.byId(existing.amphiMeetingId);
        if (record) {
          if (existing.membershipsUrl !== services.membershipsUrl || existing.groupsUrl !== services.groupsUrl) await this.#d.lti.setServices(link, services);
          return record;
        }
      }
      // Only a teacher's launch makes the meeting: a student arriving first waits for one.
      if (role !== 'host') return undefined;
      const owner = await this.#d.users.byId(registration.serviceUserId);
      if (!owner?.licensed) throw new AppError('licence.required', `the Amphi account of the platform "${registration.name}" holds no host licence; ask an Amphi administrator`);
      const title = (launch.resourceLink?.title?.trim() || launch.context?.title?.trim() || registration.name).slice(0, MAX_MEETING_TITLE_LENGTH);
      const id = newMeetingId();
      // Whoever holds the Amphi link without a launch waits for a host to let them in.
      await this.#d.meetings.create({ id, title, ownerId: owner.id, now: new Date(this.#now()), settings: { waitingRoom: true }, description: `LTI: ${registration.name}${launch.context?.title ? ` — ${launch.context.title}` : ''}` });
      await this.#d.lti.mapResourceLink({ ...link, ...services, amphiMeetingId: id }, new Date(this.#now()), existing !== undefined);
      await this.#d.lti.addMeetingContext(registration.id, link.contextId, id, new Date(this.#now()));
      this.#d.log.info('lti meeting created', { registration: registration.id, context: link.contextId, resourceLink: link.resourceLinkId, meeting: id });
      return (await this.#d.meetings.byId(id))!;
    });
    if (!meeting) return { kind: 'wait', locale: launch.locale, platformOrigin, title: launch.resourceLink?.title ?? launch.context?.title ?? '' };

    const name = (launch.name ?? (role === 'host' ? 'Teacher' : 'Student')).replace(/\s+/g, ' ').trim().slice(0, MAX_DISPLAY_NAME_LENGTH).trim();
    const ticket = await this.#d.live.tickets.issue({ meetingId: meeting.id, name, role, waitingRoom: false, externalUserId: launch.subject, mayRecord: false });
    const join = new URL(`/m/${meeting.id}`, this.#d.publicUrl);
    join.searchParams.set('ticket', ticket);
    join.searchParams.set('name', name);
    const lang = launch.locale?.toLowerCase().replace('_', '-');
    if (lang && /^[a-z]{2,3}(-[a-z]{2,4})?$/.test(lang)) join.searchParams.set('lang', lang);
    const inFrame = launch.documentTarget === 'iframe' || launch.documentTarget === 'frame';
    const breakoutGrant = role === 'host' && launch.membershipsUrl ? await this.breakoutGrants.issue({ meetingId: meeting.id, locale: launch.locale }) : undefined;
    return { kind: 'join', role, meetingId: meeting.id, joinUrl: join.toString(), inFrame, locale: launch.locale, platformOrigin, breakoutGrant };
  }

  async #deepLinkPage(registration: LtiRegistration, launch: Launch, platformOrigin: string): Promise<LaunchOutcome> {
    if (amphiRoleOf(launch.roles) !== 'host') throw new AppError('lti.launch_refused', 'only teachers may add an Amphi meeting to a course');
    const dl = launch.deepLinking!;
    if (!dl.acceptTypes.includes('ltiResourceLink')) throw new AppError('lti.launch_refused', 'the platform does not accept LTI resource links');
    const request: DeepLinkRequest = { registrationId: registration.id, deploymentId: launch.deploymentId, contextId: launch.context?.id ?? '', returnUrl: dl.returnUrl, data: dl.data, contextTitle: launch.context?.title, locale: launch.locale, membershipsUrl: launch.membershipsUrl, groupsUrl: launch.groupsUrl };
    // This course's meetings only: the platform's service account owns every course's.
    const ofCourse = new Set(await this.#d.lti.meetingsOfContext(registration.id, request.contextId));
    const meetings = (await this.#d.meetings.byOwner(registration.serviceUserId)).filter((m) => ofCourse.has(m.id));
    return { kind: 'deep-link', token: await this.#deepLinks.issue(request), request, meetings, platformOrigin };
  }

  /** The deep-linking request behind a picker page, while it lives (the page shows it). */
  deepLinkRequest(token: string): Promise<DeepLinkRequest | undefined> {
    return this.#deepLinks.peek(token);
  }

  /**
   * The teacher's choice on the picker page: a new meeting (made now, owned by the platform's
   * service account) or an existing one of this course. Answers the signed
   * LtiDeepLinkingResponse and where to post it (C.6).
   */
  async deepLinkResponse(
    token: string,
    choice: { kind: 'new'; title: string } | { kind: 'existing'; meetingId: string },
  ): Promise<{ returnUrl: string; jwt: string; platformOrigin: string; meetingId: string; registration: LtiRegistration; request: DeepLinkRequest }> {
    const request = await this.#deepLinks.take(token);
    if (!request) throw new AppError('lti.launch_refused', 'this page has expired; select the content again from the course');
    const registration = await this.#d.lti.registration(request.registrationId);
    if (!registration) throw new AppError('lti.launch_refused', 'this platform is no longer registered in Amphi');
    let meeting: MeetingRecord | undefined;
    if (choice.kind === 'existing') {
      meeting = await this.#d.meetings.byId(choice.meetingId);
      if (!meeting || meeting.ownerId !== registration.serviceUserId || !(await this.#d.lti.inContext(registration.id, request.contextId, meeting.id))) {
        throw new AppError('meeting.not_found', 'this course has no meeting with this id');
      }
    } else {
      const owner = await this.#d.users.byId(registration.serviceUserId);
      if (!owner?.licensed) throw new AppError('licence.required', `the Amphi account of the platform "${registration.name}" holds no host licence; ask an Amphi administrator`);
      const title = choice.title.replace(/\s+/g, ' ').trim().slice(0, MAX_MEETING_TITLE_LENGTH) || request.contextTitle?.slice(0, MAX_MEETING_TITLE_LENGTH) || 'Amphi';
      const id = newMeetingId();
      await this.#d.meetings.create({ id, title, ownerId: owner.id, now: new Date(this.#now()), settings: { waitingRoom: true }, description: `LTI: ${registration.name}${request.contextTitle ? ` — ${request.contextTitle}` : ''}` });
      meeting = (await this.#d.meetings.byId(id))!;
      await this.#d.lti.addMeetingContext(registration.id, request.contextId, id, new Date(this.#now()));
    }
    const now = Math.floor(this.#now() / 1000);
    const payload: Record<string, unknown> = {
      // Moodle looks the tool up by iss (it must be the client id) and checks no aud; the spec wants the issuer there.
      iss: registration.clientId,
      aud: registration.issuer,
      // php-jwt verifies without leeway: backdate a little for clock skew.
      iat: now - 5,
      exp: now + 300,
      nonce: crypto.randomBytes(16).toString('base64url'),
      [`${LTI}deployment_id`]: request.deploymentId,
      [`${LTI}message_type`]: 'LtiDeepLinkingResponse',
      [`${LTI}version`]: '1.3.0',
      [`${DL}content_items`]: [
        {
          type: 'ltiResourceLink',
          title: meeting.title,
          text: meeting.description,
          // No `url`: the activity keeps the registered tool; the meeting travels as a custom parameter.
          custom: { [MEETING_PARAMETER]: meeting.id },
          // A new window: an embedded tool cannot share a screen (no display-capture in Moodle's iframe).
          window: { targetName: '_blank' },
        },
      ],
      [`${DL}msg`]: `Amphi: ${meeting.title}`,
    };
    if (request.data !== undefined) payload[`${DL}data`] = request.data;
    const jwt = await this.#d.keys.sign(payload);
    return { returnUrl: request.returnUrl, jwt, platformOrigin: new URL(registration.issuer).origin, meetingId: meeting.id, registration, request };
  }

  #keysOf(registration: LtiRegistration): JWTVerifyGetKey {
    if (this.#d.platformKeys) return this.#d.platformKeys(registration);
    const cacheKey = `${registration.id}\n${registration.jwksUrl}`;
    let keys = this.#keysets.get(cacheKey);
    if (!keys) {
      // Cached per kid; an unknown kid refetches the set (key rotation), at most every 30 s.
      keys = createRemoteJWKSet(new URL(registration.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
      this.#keysets.set(cacheKey, keys);
    }
    return keys;
  }

  #isAmphiUrl(value: string): boolean {
    try {
      return new URL(value).origin === this.#d.publicUrl.origin;
    } catch {
      return false;
    }
  }

  async #serial<T>(key: string, run: () => Promise<T>): Promise<T> {
    const before = this.#linking.get(key) ?? Promise.resolve();
    const mine = before.catch(() => {}).then(run);
    this.#linking.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.#linking.get(key) === mine) this.#linking.delete(key);
    }
  }
}

import crypto from 'node:crypto';
import { z } from 'zod';
import { BREAKOUT_PLAN_LIMITS, PutBreakoutPlanRequest } from '@amphi/protocol';
import { AppError } from '../../errors.ts';
import type { BreakoutPlanDraft } from '../../storage/BreakoutPlanRepository.ts';
import type { LtiRegistration, LtiResourceLink } from '../../storage/LtiRepository.ts';
import { amphiRoleOf } from './roles.ts';
import type { ToolKeys } from './ToolKeys.ts';

export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
export const GROUPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-gs/scope/contextgroup.readonly';

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().optional() });
const Member = z.object({
  user_id: z.string(),
  status: z.string().optional(),
  roles: z.array(z.string()).default([]),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  group_enrollments: z.array(z.object({ group_id: z.string() })).optional(),
});
const Memberships = z.object({ members: z.array(Member) });
const Groups = z.object({ groups: z.array(z.object({ id: z.string(), name: z.string() })) });

/** One person of the course as the platform shares them. */
export type CourseMember = z.infer<typeof Member>;

/** Pages of members followed at most (a very large course is cut there, not fetched forever). */
const MAX_PAGES = 50;
const TIMEOUT_MS = 10_000;

/**
 * The LTI Advantage services Amphi calls (moodle.md C.7): an access token by the client
 * credentials grant with a JWT client assertion signed by the tool key, the course's members
 * (Names and Roles Provisioning 2.0, following `Link: rel="next"`), and its groups when the
 * platform offers the course groups service. Answers are validated before use.
 */
export class CourseRoster {
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly keys: ToolKeys,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async accessToken(registration: LtiRegistration, scopes: string[]): Promise<string> {
    const cacheKey = `${registration.id}\n${scopes.join(' ')}`;
    const cached = this.#tokens.get(cacheKey);
    if (cached && cached.expiresAt > this.now()) return cached.token;
    const now = Math.floor(this.now() / 1000);
    // Moodle looks the tool up by `sub` and checks `aud` against its token URL.
    const assertion = await this.keys.sign({ iss: registration.clientId, sub: registration.clientId, aud: registration.tokenUrl, iat: now, exp: now + 300, jti: crypto.randomUUID() });
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: scopes.join(' '),
    });
    const res = await this.#fetch(registration.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body });
    if (!res.ok) throw new AppError('lti.unavailable', `the platform refused an access token (HTTP ${res.status}): ${(await res.text()).slice(0, 200)}`);
    const answer = TokenAnswer.safeParse(await res.json().catch(() => undefined));
    if (!answer.success) throw new AppError('lti.unavailable', 'the platform answered an unusable access token');
    const lifetimeS = Math.min(answer.data.expires_in ?? 300, 3600);
    this.#tokens.set(cacheKey, { token: answer.data.access_token, expiresAt: this.now() + Math.max(0, lifetimeS - 60) * 1000 });
    return answer.data.access_token;
  }

  /** Everyone in the course (all pages). */
  async members(registration: LtiRegistration, membershipsUrl: string): Promise<CourseMember[]> {
    const token = await this.accessToken(registration, [NRPS_SCOPE]);
    const members: CourseMember[] = [];
    let next: string | undefined = membershipsUrl;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const res = await this.#fetch(next, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' } });
      if (!res.ok) throw new AppError('lti.unavailable', `the course members could not be read (HTTP ${res.status})`);
      const parsed = Memberships.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) throw new AppError('lti.unavailable', 'the platform answered an unusable membership list');
      members.push(...parsed.data.members);
      next = nextLink(res.headers.get('link'), next);
    }
    return members;
  }

  async groups(registration: LtiRegistration, groupsUrl: string): Promise<{ id: string; name: string }[]> {
    const token = await this.accessToken(registration, [GROUPS_SCOPE]);
    const res = await this.#fetch(groupsUrl, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.ims.lti-gs.v1.contextgroupcontainer+json' } });
    if (!res.ok) throw new AppError('lti.unavailable', `the course groups could not be read (HTTP ${res.status})`);
    const parsed = Groups.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new AppError('lti.unavailable', 'the platform answered an unusable group list');
    return parsed.data.groups;
  }

  /**
   * A breakout plan from the course groups: one room per group that has students, each active
   * student (not the teachers: they move between rooms) in the room of their first group.
   */
  async breakoutPlan(registration: LtiRegistration, link: Pick<LtiResourceLink, 'membershipsUrl' | 'groupsUrl'>): Promise<BreakoutPlanDraft> {
    if (!link.membershipsUrl) throw new AppError('lti.unavailable', 'the platform does not share the course members with Amphi (Names and Roles service off)');
    const members = await this.members(registration, link.membershipsUrl);
    const groups = link.groupsUrl ? await this.groups(registration, link.groupsUrl) : [];
    return planFromGroups(members, groups);
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new AppError('lti.unavailable', `the platform could not be reached (${new URL(url).host})`, { cause: err });
    }
  }
}

/** The rooms and assignments, within the breakout plan's limits (validated as an organiser's plan is). */
export function planFromGroups(members: CourseMember[], groups: { id: string; name: string }[]): BreakoutPlanDraft {
  const roomOf = new Map<string, string>();
  const rooms: string[] = [];
  const taken = new Set<string>();
  for (const g of groups) {
    let name = g.name.replace(/\s+/g, ' ').trim().slice(0, BREAKOUT_PLAN_LIMITS.roomName) || g.id.slice(0, BREAKOUT_PLAN_LIMITS.roomName);
    // Two groups named alike get distinct rooms.
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${name.slice(0, BREAKOUT_PLAN_LIMITS.roomName - 4)} (${n})`;
    taken.add(name.toLowerCase());
    roomOf.set(g.id, name);
  }
  const assignments: BreakoutPlanDraft['assignments'] = [];
  const used = new Set<string>();
  const emails = new Set<string>();
  for (const m of members) {
    if ((m.status ?? 'Active') !== 'Active' || amphiRoleOf(m.roles) === 'host') continue;
    const room = m.group_enrollments?.map((e) => roomOf.get(e.group_id)).find((r) => r !== undefined);
    if (!room) continue;
    const name = (m.name?.trim() || [m.given_name, m.family_name].filter(Boolean).join(' ').trim() || `#${m.user_id}`).slice(0, BREAKOUT_PLAN_LIMITS.personName);
    let email = m.email?.trim().toLowerCase() || null;
    if (email && emails.has(email)) email = null;
    if (email) emails.add(email);
    assignments.push({ name, email, room });
    used.add(room);
    if (assignments.length >= BREAKOUT_PLAN_LIMITS.people) break;
  }
  const planRooms = rooms.concat([...roomOf.values()].filter((r) => used.has(r))).slice(0, BREAKOUT_PLAN_LIMITS.rooms);
  if (planRooms.length === 0) throw new AppError('http.invalid_body', 'the course has no groups with students in them');
  const parsed = PutBreakoutPlanRequest.safeParse({ rooms: planRooms, assignments: assignments.filter((a) => planRooms.includes(a.room)) });
  if (!parsed.success) {
    // An email the plan refuses (not an address) is dropped rather than the whole plan.
    const retry = PutBreakoutPlanRequest.safeParse({ rooms: planRooms, assignments: assignments.filter((a) => planRooms.includes(a.room)).map((a) => ({ ...a, email: null })) });
    if (!retry.success) throw new AppError('http.invalid_body', 'the course groups do not make a valid breakout plan');
    return retry.data;
  }
  return parsed.data;
}

/** The URL of `rel="next"` in a Link header, resolved against the page's URL. */
function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /rel\s*=\s*"?next"?/i.test(m[2]!)) return new URL(m[1]!, base).toString();
  }
  return undefined;
}

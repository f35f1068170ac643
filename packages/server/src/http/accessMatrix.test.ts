// Every HTTP route × every role, table-driven (issue 15): someone not signed in, another signed-in
// organiser, the meeting's organiser and an administrator (who is not the organiser) call every
// route of the app; documents are called with the bearer token of a participant of the meeting
// and of a participant of another meeting. Allowed exactly where the table (the README) says,
// refused (401, 403, or 404 for what belongs to someone else) everywhere else. A route without a
// row fails the test: a new route is decided here, deny by default.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../auth/passwords.ts';
import { DocumentFiles } from '../documents/DocumentFiles.ts';
import { FakeMediaBackend, joinInput } from '../domain/testing/fakes.ts';
import { recordingFiles } from '../recordings/RetentionJob.ts';
import { CSRF, freshApp, organiser, PASSWORD, signIn } from './testing/httpHarness.ts';

type Who = 'anonymous' | 'other' | 'organiser' | 'admin' | 'participant' | 'otherParticipant';
const PEOPLE: Who[] = ['anonymous', 'other', 'organiser', 'admin'];
const BEARERS: Who[] = ['anonymous', 'organiser', 'participant', 'otherParticipant'];

/**
 * Who may call a route:
 *   public        anyone
 *   signedIn      anyone signed in (and holding a host licence where the route creates something)
 *   owner         the meeting's organiser only (another organiser, an administrator: as if it did not exist)
 *   ownerOrAdmin  the organiser, or an administrator (the recordings library)
 *   admin         administrators only
 *   participant   whoever holds the bearer token of a participant of this live meeting
 *   secret        nobody without the one-use secret, checksum or link token the route is bound to
 *                 (LTI, BigBlueButton API, single sign-on, shared recordings): all refused here
 */
type Rule = 'public' | 'signedIn' | 'owner' | 'ownerOrAdmin' | 'admin' | 'participant' | 'secret';

interface Ids {
  meeting: string;
  poll: string;
  session: string;
  recording: string;
  share: string;
  consumer: string;
  registration: string;
  otherUser: string;
  document: string;
}

interface Row {
  rule: Rule;
  /** The request an allowed caller would make (params filled in), with its body. */
  request?: (ids: Ids) => { url: string; payload?: unknown; headers?: Record<string, string> };
  /** Changes what the next caller sees (a delete…): each caller gets a fresh app. */
  destructive?: boolean;
  /** Error codes an allowed caller may get for reasons other than who they are. */
  okCodes?: string[];
}

const ROUTES: Record<string, Row> = {
  'GET /api/health': { rule: 'public' },
  'POST /api/auth/login': { rule: 'public', request: () => ({ url: '/api/auth/login', payload: { email: 'olive@u.fr', password: PASSWORD } }) },
  'POST /api/auth/logout': { rule: 'public' },
  'GET /api/me': { rule: 'signedIn' },
  'GET /api/auth/providers': { rule: 'public' },
  'GET /auth/sso/:provider/login': { rule: 'secret' },
  'GET /auth/sso/:provider/callback': { rule: 'secret' },
  'GET /auth/sso/:provider/acs/done': { rule: 'secret' },
  'GET /auth/sso/:provider/metadata': { rule: 'secret' },
  'POST /auth/sso/:provider/acs': { rule: 'secret' },
  'POST /api/meetings': { rule: 'signedIn', request: () => ({ url: '/api/meetings', payload: { title: 'Tutorial' } }) },
  'PATCH /api/meetings/:id': { rule: 'owner', request: (i) => ({ url: `/api/meetings/${i.meeting}`, payload: { title: 'Renamed' } }) },
  'DELETE /api/meetings/:id': { rule: 'owner', destructive: true },
  'GET /api/meetings': { rule: 'signedIn' },
  'GET /api/me/personal-room': { rule: 'signedIn' },
  'GET /api/meetings/:id/invitation': { rule: 'owner' },
  'GET /api/meetings/:id/invitation.ics': { rule: 'owner' },
  'POST /api/meetings/:id/invitations': { rule: 'owner', request: (i) => ({ url: `/api/meetings/${i.meeting}/invitations`, payload: { emails: ['jury@u.fr'], language: 'en' } }), okCodes: ['mail.unavailable'] },
  'GET /api/meetings/:id/polls': { rule: 'owner' },
  'POST /api/meetings/:id/polls': { rule: 'owner', request: (i) => ({ url: `/api/meetings/${i.meeting}/polls`, payload: { question: 'Q?', kind: 'single', options: ['A', 'B'], anonymous: true } }) },
  'DELETE /api/meetings/:id/polls/:pollId': { rule: 'owner', destructive: true },
  'GET /api/meetings/:id/sessions': { rule: 'owner' },
  'GET /api/meetings/:id/sessions/:sid/attendance': { rule: 'owner' },
  'GET /api/meetings/:id/public': { rule: 'public' },
  'GET /api/meetings/:id/breakouts': { rule: 'owner' },
  'PUT /api/meetings/:id/breakouts': { rule: 'owner', request: (i) => ({ url: `/api/meetings/${i.meeting}/breakouts`, payload: { rooms: ['Room 1'], assignments: [] } }) },
  'DELETE /api/meetings/:id/breakouts': { rule: 'owner' },
  'POST /api/meetings/:id/breakouts/csv': { rule: 'owner', request: (i) => ({ url: `/api/meetings/${i.meeting}/breakouts/csv`, payload: 'name,email,room\nZoé,,Groupe 1\n', headers: { 'content-type': 'text/csv' } }) },
  'POST /api/meetings/:id/documents': { rule: 'participant', request: (i) => ({ url: `/api/meetings/${i.meeting}/documents?name=a.pdf`, payload: Buffer.from('%PDF-1.4'), headers: { 'content-type': 'application/octet-stream' } }) },
  'GET /api/meetings/:id/documents/:docId': { rule: 'participant' },
  'POST /api/admin/users': { rule: 'admin', request: () => ({ url: '/api/admin/users', payload: { email: 'new@u.fr', name: 'New', password: 'a long enough password', staff: false, licensed: false } }) },
  'GET /api/admin/people': { rule: 'admin' },
  'PATCH /api/admin/users/:id': { rule: 'admin', request: (i) => ({ url: `/api/admin/users/${i.otherUser}`, payload: { staff: true } }) },
  'GET /api/admin/audit': { rule: 'admin' },
  'GET /api/admin/meetings': { rule: 'admin' },
  'POST /api/admin/meetings/:id/end': { rule: 'admin', destructive: true },
  'GET /api/admin/policies': { rule: 'admin' },
  'PUT /api/admin/policies': { rule: 'admin', request: () => ({ url: '/api/admin/policies', payload: { branding: { name: 'Université' } } }) },
  'PUT /api/admin/branding/logo': { rule: 'admin', request: () => ({ url: '/api/admin/branding/logo', payload: Buffer.from('not an image'), headers: { 'content-type': 'application/octet-stream' } }), okCodes: ['http.invalid_body'] },
  'DELETE /api/admin/branding/logo': { rule: 'admin' },
  'GET /api/branding': { rule: 'public' },
  'GET /api/branding/logo': { rule: 'public', okCodes: ['http.not_found'] },
  'GET /api/recordings': { rule: 'signedIn' },
  'GET /api/recordings/:id/file': { rule: 'ownerOrAdmin' },
  'DELETE /api/recordings/:id': { rule: 'ownerOrAdmin', destructive: true },
  'POST /api/recordings/:id/shares': { rule: 'ownerOrAdmin', request: (i) => ({ url: `/api/recordings/${i.recording}/shares`, payload: {} }) },
  'GET /api/recordings/:id/shares': { rule: 'ownerOrAdmin' },
  'DELETE /api/recordings/:id/shares/:shareId': { rule: 'ownerOrAdmin', destructive: true },
  'GET /api/shared-recordings/:token': { rule: 'secret' },
  'POST /api/shared-recordings/:token/unlock': { rule: 'secret' },
  'GET /api/shared-recordings/:token/file': { rule: 'secret' },
  'GET /api/admin/bbb-consumers': { rule: 'admin' },
  'POST /api/admin/bbb-consumers': { rule: 'admin', request: () => ({ url: '/api/admin/bbb-consumers', payload: { name: 'Moodle 2' } }) },
  'POST /api/admin/bbb-consumers/:id/rotate': { rule: 'admin' },
  'DELETE /api/admin/bbb-consumers/:id': { rule: 'admin', destructive: true },
  'GET /bigbluebutton/api': { rule: 'public' },
  'GET /bigbluebutton/api/:action': { rule: 'secret' },
  'POST /bigbluebutton/api/:action': { rule: 'secret' },
  'GET /lti/jwks': { rule: 'public' },
  'GET /lti/jwks.json': { rule: 'public' },
  'GET /lti/assets/lti.js': { rule: 'public' },
  'GET /lti/assets/lti.css': { rule: 'public' },
  'GET /lti/login': { rule: 'secret' },
  'POST /lti/login': { rule: 'secret' },
  'POST /lti/launch': { rule: 'secret' },
  'POST /lti/deep-link': { rule: 'secret' },
  'POST /lti/breakouts': { rule: 'secret' },
  'GET /lti/register': { rule: 'secret' },
  'GET /api/admin/lti': { rule: 'admin' },
  'POST /api/admin/lti/registrations': { rule: 'admin', request: () => ({ url: '/api/admin/lti/registrations', payload: { name: 'Moodle 2', issuer: 'https://moodle2.u.fr', clientId: 'c2', deploymentIds: ['1'], authUrl: 'https://moodle2.u.fr/auth', jwksUrl: 'https://moodle2.u.fr/jwks', tokenUrl: 'https://moodle2.u.fr/token' } }) },
  'POST /api/admin/lti/registration-url': { rule: 'admin' },
  'DELETE /api/admin/lti/registrations/:id': { rule: 'admin', destructive: true },
  // The meeting was not made by a learning platform: an administrator is told so, others are refused first.
  'POST /api/admin/lti/meetings/:id/breakouts-from-groups': { rule: 'admin', okCodes: ['meeting.not_found'] },
};
/** Not HTTP requests: the signaling socket has its own matrix (signaling/permissionsMatrix.test.ts). */
const ELSEWHERE = new Set(['GET /ws']);

/** The URL of a route with this fixture's ids. */
function fill(route: string, ids: Ids): string {
  const url = route.split(' ')[1]!;
  return url
    .replace(':provider', 'unknown')
    .replace(':pollId', ids.poll)
    .replace(':sid', ids.session)
    .replace(':docId', ids.document)
    .replace(':shareId', ids.share)
    .replace(':token', 'not-a-share-token')
    .replace(':action', 'getMeetings')
    .replace(':id', route.includes('/recordings/') ? ids.recording : route.includes('bbb-consumers') ? ids.consumer : route.includes('lti/registrations') ? ids.registration : route.includes('/admin/users') ? ids.otherUser : ids.meeting);
}

async function fixture(t: TestContext) {
  const docs = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-matrix-'));
  t.after(() => fs.rmSync(docs, { recursive: true, force: true }));
  const converter = { convert: async (data: Buffer) => ({ pdf: data, pages: 1 }) };
  const { app, storage, live, recordingsDir } = await freshApp(t, { media: new FakeMediaBackend(), deps: { documents: { converter, store: new DocumentFiles(docs), maxBytes: 1_000_000 } } });
  const olive = await organiser(storage, { email: 'olive@u.fr', name: 'Olive', passwordHash: await hashPassword(PASSWORD), isAdmin: false, isStaff: true });
  const otto = await organiser(storage, { email: 'otto@u.fr', name: 'Otto', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
  await organiser(storage, { email: 'ada@u.fr', name: 'Ada', passwordHash: await hashPassword(PASSWORD), isAdmin: true });
  const cookies = { organiser: await signIn(app, 'olive@u.fr'), other: await signIn(app, 'otto@u.fr'), admin: await signIn(app, 'ada@u.fr') };
  const as = (who: keyof typeof cookies, method: 'POST' | 'GET', url: string, payload?: unknown) => app.inject({ method, url, headers: { ...CSRF, cookie: cookies[who] }, payload: payload as never });
  const schedule = { startsAt: '2027-01-12T14:30', timeZone: 'Europe/Paris', durationMinutes: 60, recurrence: null };
  const meeting = (await as('organiser', 'POST', '/api/meetings', { title: 'Jury', schedule, settings: { waitingRoom: false } })).json().meeting.id as string;
  const elsewhere = (await as('other', 'POST', '/api/meetings', { title: 'Other class', settings: { waitingRoom: false } })).json().meeting.id as string;
  const poll = (await as('organiser', 'POST', `/api/meetings/${meeting}/polls`, { question: 'Ready?', kind: 'single', options: ['Yes', 'No'], anonymous: true })).json().poll.id as string;
  await storage.attendance.sessionStarted(meeting, 'session-1', new Date());
  await storage.recordings.create({ id: 'rec-olive-1', meetingId: meeting, ownerId: olive.id, title: 'Jury', startedAt: new Date() });
  await storage.recordings.update('rec-olive-1', { status: 'ready', durationS: 1, bytes: 4 });
  fs.writeFileSync(recordingFiles(recordingsDir, 'rec-olive-1').mp4, 'mp4!');
  const share = (await as('organiser', 'POST', '/api/recordings/rec-olive-1/shares', {})).json().share.id as string;
  const consumer = (await as('admin', 'POST', '/api/admin/bbb-consumers', { name: 'Moodle' })).json().consumer.id as string;
  const registration = (await as('admin', 'POST', '/api/admin/lti/registrations', { name: 'Moodle', issuer: 'https://moodle.u.fr', clientId: 'c1', deploymentIds: ['1'], authUrl: 'https://moodle.u.fr/auth', jwksUrl: 'https://moodle.u.fr/jwks', tokenUrl: 'https://moodle.u.fr/token' })).json().registration.id as string;
  // Live: a participant in the meeting (with a document of theirs), and one in another meeting.
  const joined = (await live.join(meeting, joinInput('Pat'))).result;
  const there = (await live.join(elsewhere, joinInput('Sam'))).result;
  assert.ok(joined.kind === 'joined' && there.kind === 'joined');
  const document = (await app.inject({ method: 'POST', url: `/api/meetings/${meeting}/documents?name=notes.pdf`, headers: { ...CSRF, authorization: `Bearer ${joined.participant.token}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from('%PDF-1.4') })).json().id as string;
  const ids: Ids = { meeting, poll, session: 'session-1', recording: 'rec-olive-1', share, consumer, registration, otherUser: otto.id, document };
  const headers = (who: Who): Record<string, string> => {
    if (who === 'participant') return { authorization: `Bearer ${joined.participant.token}` };
    if (who === 'otherParticipant') return { authorization: `Bearer ${there.participant.token}` };
    return who === 'anonymous' ? {} : { cookie: cookies[who] };
  };
  return { app, ids, headers };
}

function allowedFor(rule: Rule, who: Who): boolean {
  switch (rule) {
    case 'public':
      return true;
    case 'signedIn':
      return who === 'other' || who === 'organiser' || who === 'admin';
    case 'owner':
      return who === 'organiser';
    case 'ownerOrAdmin':
      return who === 'organiser' || who === 'admin';
    case 'admin':
      return who === 'admin';
    case 'participant':
      return who === 'participant';
    case 'secret':
      return false;
  }
}

/**
 * Refused: not signed in, forbidden, or answered as if it did not exist. Bound routes refuse in
 * their own way: BBB answers a bad checksum in XML, single sign-on sends the browser back to the
 * home page with the error.
 */
function refused(res: LightMyRequestResponse, rule: Rule): boolean {
  if (rule === 'secret') return res.statusCode >= 400 || /<messageKey>checksumError<\/messageKey>/.test(res.body) || (res.statusCode === 303 && /^\/\?ssoError=/.test(String(res.headers.location)));
  return res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404;
}

describe('HTTP: every route × every role', () => {
  it('the table has a row for every route of the app (a new one is refused until decided here)', async (t) => {
    const { app } = await fixture(t);
    const routes = app.amphiRoutes.map((r) => `${r.method} ${r.url}`).filter((r) => !ELSEWHERE.has(r));
    assert.deepEqual([...new Set(routes)].sort(), Object.keys(ROUTES).sort());
  });

  for (const [route, row] of Object.entries(ROUTES)) {
    it(`${route}: ${row.rule}`, async (t) => {
      const callers = row.rule === 'participant' ? BEARERS : PEOPLE;
      const wrong: string[] = [];
      let shared: Awaited<ReturnType<typeof fixture>> | undefined;
      for (const who of callers) {
        const f = row.destructive || !shared ? await fixture(t) : shared;
        if (!row.destructive) shared = f;
        const method = route.split(' ')[0] as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
        const made = row.request?.(f.ids);
        const res = await f.app.inject({ method, url: made?.url ?? fill(route, f.ids), payload: made?.payload as never, headers: { ...CSRF, ...made?.headers, ...f.headers(who) } });
        const code = (() => {
          try {
            return (res.json() as { error?: { code?: string } }).error?.code;
          } catch {
            return undefined;
          }
        })();
        const passed = !refused(res, row.rule) || (code !== undefined && row.okCodes?.includes(code) === true);
        if (allowedFor(row.rule, who) !== passed) wrong.push(`${who}: expected ${allowedFor(row.rule, who) ? 'allowed' : 'refused'}, got ${res.statusCode} ${res.body.slice(0, 120)}`);
        else if (res.statusCode >= 500 && code !== 'mail.unavailable') wrong.push(`${who}: ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
      assert.deepEqual(wrong, []);
    });
  }
});

// The HTTP API through Fastify's inject(): a real Storage on a temp SQLite file, a real
// SessionService, and a MeetingRegistry over a media backend that must never be reached.
// Every test builds its own app (rate limiters live in it) on its own database.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { CSRF_HEADER, ErrorBody, MeetingView, PublicMeetingView, UserView, type ErrorCode } from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import { SESSION_COOKIE, SessionService } from '../auth/SessionService.ts';
import { DEFAULT_MEETING_SETTINGS, type MeetingPolicy } from '../domain/MeetingSettings.ts';
import type { Storage } from '../storage/Storage.ts';
import type { User } from '../storage/UserRepository.ts';
import { freshApp, PASSWORD, POLICY, PUBLIC_URL, organiser } from './testing/httpHarness.ts';

interface Harness {
  app: FastifyInstance;
  storage: Storage;
  sessions: SessionService;
  ada: User;
}


/** A fresh app on a fresh database, with one user (Ada); torn down when the test ends. */
async function setup(t: TestContext, publicUrl = PUBLIC_URL, policy: MeetingPolicy = POLICY): Promise<Harness> {
  const { app, storage, sessions } = await freshApp(t, { publicUrl, policy });
  const ada = await organiser(storage, { email: 'ada@example.org', name: 'Ada Lovelace', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
  return { app, storage, sessions, ada };
}

const CSRF = { [CSRF_HEADER]: '1' };

function login(app: FastifyInstance, email: string, password: string, headers: Record<string, string> = CSRF, remoteAddress?: string) {
  return app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { email, password }, ...(remoteAddress ? { remoteAddress } : {}) });
}

function setCookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  assert.ok(header !== undefined, 'response sets a cookie');
  const values = Array.isArray(header) ? header : [header];
  const cookie = values.find((v) => v.startsWith(`${SESSION_COOKIE}=`));
  assert.ok(cookie !== undefined, `response sets ${SESSION_COOKIE}`);
  return cookie;
}

/** The Cookie request header a browser would send back after this response. */
function cookieFrom(res: LightMyRequestResponse): string {
  const first = setCookieOf(res).split(';')[0];
  assert.ok(first !== undefined && first.length > SESSION_COOKIE.length + 1, 'cookie has a value');
  return first;
}

async function signIn(app: FastifyInstance, email = 'ada@example.org', password = PASSWORD): Promise<string> {
  const res = await login(app, email, password);
  assert.equal(res.statusCode, 200, res.body);
  return cookieFrom(res);
}

/** Asserts the status and the `{error:{code,message}}` shape; returns the code. */
function errorOf(res: LightMyRequestResponse, status: number): ErrorCode {
  assert.equal(res.statusCode, status, res.body);
  const parsed = ErrorBody.safeParse(res.json());
  assert.ok(parsed.success, `error body has the catalogue shape: ${res.body}`);
  assert.ok(parsed.data.error.message.length > 0);
  return parsed.data.error.code;
}

function createMeeting(app: FastifyInstance, cookie: string | undefined, title: unknown, settings?: unknown) {
  return app.inject({
    method: 'POST',
    url: '/api/meetings',
    headers: { ...CSRF, ...(cookie ? { cookie } : {}) },
    payload: settings === undefined ? { title } : { title, settings },
  });
}

function updateMeeting(app: FastifyInstance, cookie: string | undefined, id: string, payload: unknown) {
  return app.inject({
    method: 'PATCH',
    url: `/api/meetings/${id}`,
    headers: { ...CSRF, ...(cookie ? { cookie } : {}) },
    payload: payload as Record<string, unknown>,
  });
}

const MeetingResponse = z.object({ meeting: MeetingView });
const MeetingsResponse = z.object({ meetings: z.array(MeetingView) });
const UserResponse = z.object({ user: UserView });

describe('POST /api/auth/login', () => {
  it('signs in and sets an HttpOnly, SameSite=Lax session cookie, not Secure over http', async (t) => {
    const { app, ada } = await setup(t);
    const res = await login(app, 'ada@example.org', PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(UserResponse.parse(res.json()).user, { id: ada.id, email: 'ada@example.org', name: 'Ada Lovelace', isAdmin: false, isStaff: false, licensed: true });
    assert.equal(res.headers['cache-control'], 'no-store');

    const attrs = setCookieOf(res).split(';').map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes('httponly'), setCookieOf(res));
    assert.ok(attrs.includes('samesite=lax'), setCookieOf(res));
    assert.ok(attrs.includes('path=/'), setCookieOf(res));
    assert.ok(!attrs.includes('secure'), 'no Secure attribute when served over http');
  });

  it('sets a Secure cookie when the public URL is https', async (t) => {
    const { app } = await setup(t, 'https://amphi.test');
    const res = await login(app, 'ada@example.org', PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const attrs = setCookieOf(res).split(';').map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes('secure'), setCookieOf(res));
    assert.ok(attrs.includes('httponly'));
    assert.ok(attrs.includes('samesite=lax'));
  });

  it('accepts the email in any case', async (t) => {
    const { app } = await setup(t);
    const res = await login(app, '  ADA@Example.org ', PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
  });

  it('refuses a wrong password with auth.invalid_credentials and sets no cookie', async (t) => {
    const { app } = await setup(t);
    const res = await login(app, 'ada@example.org', 'wrong password');
    assert.equal(errorOf(res, 401), 'auth.invalid_credentials');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  it('gives an unknown email the same answer as a wrong password', async (t) => {
    const { app } = await setup(t);
    const res = await login(app, 'nobody@example.org', PASSWORD);
    assert.equal(errorOf(res, 401), 'auth.invalid_credentials');
  });

  it('refuses an account without a password', async (t) => {
    const { app, storage } = await setup(t);
    await organiser(storage, { email: 'sso@example.org', name: 'SSO only', passwordHash: null, isAdmin: false });
    assert.equal(errorOf(await login(app, 'sso@example.org', PASSWORD), 401), 'auth.invalid_credentials');
  });

  it('refuses an invalid email with http.invalid_body', async (t) => {
    const { app } = await setup(t);
    assert.equal(errorOf(await login(app, 'not-an-email', PASSWORD), 400), 'http.invalid_body');
  });

  it('refuses a missing body with http.invalid_body', async (t) => {
    const { app } = await setup(t);
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: CSRF });
    assert.equal(errorOf(res, 400), 'http.invalid_body');
  });

  it('answers malformed JSON with a 400 and a catalogue code', async (t) => {
    const { app } = await setup(t);
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { ...CSRF, 'content-type': 'application/json' },
      payload: '{"email": "ada@example.org", "password": ',
    });
    assert.equal(errorOf(res, 400), 'http.invalid_body');
  });

  it('refuses a body over the size limit with protocol.too_large', async (t) => {
    const { app } = await setup(t);
    const res = await login(app, 'ada@example.org', 'x'.repeat(300 * 1024));
    assert.equal(errorOf(res, 413), 'protocol.too_large');
  });

  it('wrong passwords for one account slow its next tries down from that address (any case), never lock its owner out', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { app } = await setup(t);
    const attacker = '203.0.113.9';
    for (let i = 0; i < 5; i++) {
      const email = i % 2 === 0 ? 'ada@example.org' : 'ADA@example.org';
      assert.equal(errorOf(await login(app, email, `wrong ${i}`, CSRF, attacker), 401), 'auth.invalid_credentials', `attempt ${i + 1}`);
    }
    assert.equal((await login(app, 'ada@example.org', 'wrong 5', CSRF, attacker)).headers['retry-after'], '1', 'the sixth waits a second');
    t.mock.timers.tick(1_000);
    assert.equal(errorOf(await login(app, 'ada@example.org', 'wrong 5', CSRF, attacker), 401), 'auth.invalid_credentials', 'then it is answered');
    const slowed = await login(app, 'ada@example.org', 'wrong 6', CSRF, attacker);
    assert.equal(errorOf(slowed, 429), 'http.rate_limited');
    assert.equal(slowed.headers['retry-after'], '2', 'the next one twice as long');
    assert.equal(slowed.headers['set-cookie'], undefined);
    // The owner, from their own address, signs in at once; the attacker's address may try again once its wait is over.
    assert.equal((await login(app, 'ada@example.org', PASSWORD, CSRF, '198.51.100.7')).statusCode, 200);
    t.mock.timers.tick(2_000);
    assert.equal(errorOf(await login(app, 'ada@example.org', 'wrong 7', CSRF, attacker), 401), 'auth.invalid_credentials');
    assert.equal(errorOf(await login(app, 'grace@example.org', 'whatever', CSRF, attacker), 401), 'auth.invalid_credentials', 'another account is not slowed down');
  });

  it('refuses an address after 30 wrong passwords in 15 minutes; right ones do not count', async (t) => {
    const { app } = await setup(t);
    for (let i = 0; i < 40; i++) assert.equal((await login(app, 'ada@example.org', PASSWORD)).statusCode, 200, `right password ${i + 1}`);
    for (let i = 0; i < 30; i++) {
      assert.equal(errorOf(await login(app, `user${i}@example.org`, 'whatever'), 401), 'auth.invalid_credentials', `attempt ${i + 1}`);
    }
    assert.equal(errorOf(await login(app, 'ada@example.org', PASSWORD), 429), 'http.rate_limited');
  });
});

describe('CSRF defence on state-changing API calls', () => {
  it('refuses a POST without the CSRF header', async (t) => {
    const { app } = await setup(t);
    const res = await login(app, 'ada@example.org', PASSWORD, {});
    assert.equal(errorOf(res, 403), 'http.csrf');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  it('refuses a CSRF header with another value', async (t) => {
    const { app } = await setup(t);
    assert.equal(errorOf(await login(app, 'ada@example.org', PASSWORD, { [CSRF_HEADER]: 'true' }), 403), 'http.csrf');
  });

  it('refuses a request from another origin, even with the header', async (t) => {
    const { app } = await setup(t);
    for (const origin of ['http://evil.test', 'https://amphi.test', 'http://amphi.test:8080', 'null']) {
      const res = await login(app, 'ada@example.org', PASSWORD, { ...CSRF, origin });
      assert.equal(errorOf(res, 403), 'http.csrf', origin);
    }
  });

  it('cannot be bypassed by percent-encoding the path', async (t) => {
    const { app } = await setup(t);
    // The router decodes "%61" to "a", so this URL reaches the login route.
    const res = await app.inject({ method: 'POST', url: '/%61pi/auth/login', payload: { email: 'ada@example.org', password: PASSWORD } });
    assert.equal(errorOf(res, 403), 'http.csrf');
    assert.equal(res.headers['set-cookie'], undefined);
  });

  it("accepts Amphi's own origin with the header", async (t) => {
    const { app } = await setup(t);
    const res = await login(app, 'ada@example.org', PASSWORD, { ...CSRF, origin: PUBLIC_URL });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('also guards logout and meeting creation', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const logout = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    assert.equal(errorOf(logout, 403), 'http.csrf');
    const create = await app.inject({ method: 'POST', url: '/api/meetings', headers: { cookie, origin: 'http://evil.test', ...CSRF }, payload: { title: 'x' } });
    assert.equal(errorOf(create, 403), 'http.csrf');
    // Refused requests had no effect: still signed in, no meeting.
    const list = await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie } });
    assert.deepEqual(MeetingsResponse.parse(list.json()).meetings, []);
  });
});

describe('GET /api/me and logout', () => {
  it('answers 401 auth.unauthenticated without a cookie or with an unknown one', async (t) => {
    const { app } = await setup(t);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/me' }), 401), 'auth.unauthenticated');
    const forged = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=forged-token` } });
    assert.equal(errorOf(forged, 401), 'auth.unauthenticated');
  });

  it('returns the signed-in user, without the password hash', async (t) => {
    const { app, ada } = await setup(t);
    const cookie = await signIn(app);
    const res = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { user: { id: ada.id, email: 'ada@example.org', name: 'Ada Lovelace', isAdmin: false, isStaff: false, licensed: true } });
  });

  it('does not accept an expired session', async (t) => {
    const { app, sessions, ada } = await setup(t);
    const { token } = await sessions.create(ada.id, new Date(Date.now() - 15 * 86_400_000));
    const res = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    assert.equal(errorOf(res, 401), 'auth.unauthenticated');
  });

  it('logout ends the session: the old cookie no longer works', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const other = await signIn(app); // a second session (another browser) is not affected

    const res = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...CSRF, cookie } });
    assert.equal(res.statusCode, 200, res.body);
    const cleared = setCookieOf(res);
    assert.ok(cleared.startsWith(`${SESSION_COOKIE}=;`), cleared);
    assert.match(cleared, /Expires=Thu, 01 Jan 1970/);

    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } }), 401), 'auth.unauthenticated');
    assert.equal((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: other } })).statusCode, 200);
  });
});

describe('meetings', () => {
  it('POST /api/meetings requires sign-in', async (t) => {
    const { app } = await setup(t);
    assert.equal(errorOf(await createMeeting(app, undefined, 'Algebra'), 401), 'auth.unauthenticated');
  });

  it('creates a meeting with a readable id and a link on the public URL', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const res = await createMeeting(app, cookie, '  Algebra I  ');
    assert.equal(res.statusCode, 201, res.body);
    const { meeting } = MeetingResponse.parse(res.json());
    assert.match(meeting.id, /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    assert.equal(meeting.link, `http://amphi.test/m/${meeting.id}`);
    assert.equal(meeting.title, 'Algebra I');
    assert.equal(meeting.live, false);
    assert.equal(meeting.participantCount, 0);
  });

  it('refuses an empty title and one longer than 120 characters with http.invalid_body', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    assert.equal(errorOf(await createMeeting(app, cookie, 'x'.repeat(500)), 400), 'http.invalid_body');
    assert.equal(errorOf(await createMeeting(app, cookie, 'x'.repeat(121)), 400), 'http.invalid_body');
    assert.equal(errorOf(await createMeeting(app, cookie, '   '), 400), 'http.invalid_body');
    assert.equal(errorOf(await createMeeting(app, cookie, 42), 400), 'http.invalid_body');
    assert.equal((await createMeeting(app, cookie, 'x'.repeat(120))).statusCode, 201);
  });

  it("GET /api/meetings lists only the caller's meetings", async (t) => {
    const { app, storage } = await setup(t);
    await organiser(storage, { email: 'grace@example.org', name: 'Grace Hopper', passwordHash: await hashPassword('grace password'), isAdmin: false });
    const ada = await signIn(app);
    const grace = await signIn(app, 'grace@example.org', 'grace password');

    const adaIds = new Set<string>();
    for (const title of ['Algebra', 'Analysis']) adaIds.add(MeetingResponse.parse((await createMeeting(app, ada, title)).json()).meeting.id);
    const graceId = MeetingResponse.parse((await createMeeting(app, grace, 'Compilers')).json()).meeting.id;

    const adaList = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie: ada } })).json()).meetings;
    assert.deepEqual(new Set(adaList.map((m) => m.id)), adaIds);
    const graceList = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie: grace } })).json()).meetings;
    assert.deepEqual(graceList.map((m) => [m.id, m.title, m.link]), [[graceId, 'Compilers', `http://amphi.test/m/${graceId}`]]);

    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/meetings' }), 401), 'auth.unauthenticated');
  });

  it('GET /api/meetings/:id/public shows title and organiser without sign-in', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const { meeting } = MeetingResponse.parse((await createMeeting(app, cookie, 'Algebra')).json());

    const res = await app.inject({ method: 'GET', url: `/api/meetings/${meeting.id}/public` });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(PublicMeetingView.safeParse(res.json().meeting).success, res.body);
    // Exactly these fields: the card is public, so nothing else (owner id, email) may leak.
    assert.deepEqual(res.json(), { meeting: { id: meeting.id, title: 'Algebra', organiser: 'Ada Lovelace', live: false, passcodeRequired: false, recording: false, invitee: null } });
  });

  it('GET /api/meetings/:id/public says a passcode is needed, and never gives it away', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const { meeting } = MeetingResponse.parse((await createMeeting(app, cookie, 'Algebra', { passcode: 'Zq9SecretCode' })).json());
    const res = await app.inject({ method: 'GET', url: `/api/meetings/${meeting.id}/public` });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { meeting: { id: meeting.id, title: 'Algebra', organiser: 'Ada Lovelace', live: false, passcodeRequired: true, recording: false, invitee: null } });
    assert.ok(!res.body.includes('Zq9SecretCode'), res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('GET /api/meetings/:id/public answers 404 meeting.not_found for an unknown id', async (t) => {
    const { app } = await setup(t);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/meetings/abc-defg-hjk/public' }), 404), 'meeting.not_found');
    assert.equal(errorOf(await app.inject({ method: 'GET', url: `/api/meetings/${'a'.repeat(65)}/public` }), 404), 'meeting.not_found');
  });
});

describe('meeting settings', () => {
  it('a meeting created without settings has the defaults', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const { meeting } = MeetingResponse.parse((await createMeeting(app, cookie, 'Algebra')).json());
    assert.deepEqual(meeting.settings, DEFAULT_MEETING_SETTINGS);
  });

  it('POST /api/meetings stores the settings given (trimmed), defaults the rest, and lists them', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const settings = { waitingRoom: false, muteOnEntry: true, allowChat: false, capacity: 300, passcode: ' S3cret42 ', redirectUrl: 'https://univ.example/after' };
    const res = await createMeeting(app, cookie, 'Algebra', settings);
    assert.equal(res.statusCode, 201, res.body);
    const expected = { ...DEFAULT_MEETING_SETTINGS, ...settings, passcode: 'S3cret42' };
    assert.deepEqual(MeetingResponse.parse(res.json()).meeting.settings, expected);
    const list = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie } })).json()).meetings;
    assert.deepEqual(list.map((m) => m.settings), [expected]);
  });

  it("refuses a capacity above the deployment's with 400 http.invalid_body, and stores nothing", async (t) => {
    const { app } = await setup(t, PUBLIC_URL, { capacity: 50, redirectUrl: null });
    const cookie = await signIn(app);
    assert.equal(errorOf(await createMeeting(app, cookie, 'Big', { capacity: 51 }), 400), 'http.invalid_body');
    assert.equal(errorOf(await createMeeting(app, cookie, 'Big', { capacity: 100_000 }), 400), 'http.invalid_body');
    const list = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie } })).json()).meetings;
    assert.deepEqual(list, []);
    assert.equal((await createMeeting(app, cookie, 'Just fits', { capacity: 50 })).statusCode, 201);
  });

  it('refuses a capacity below 2 or not a whole number', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    for (const capacity of [1, 0, -5, 2.5, '10']) {
      assert.equal(errorOf(await createMeeting(app, cookie, 'x', { capacity }), 400), 'http.invalid_body', String(capacity));
    }
    assert.equal((await createMeeting(app, cookie, 'x', { capacity: 2 })).statusCode, 201);
    assert.equal((await createMeeting(app, cookie, 'x', { capacity: null })).statusCode, 201);
  });

  it('refuses a redirect URL that is not http(s)', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    for (const redirectUrl of ['javascript:alert(1)', 'JavaScript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'ftp://univ.example/x', 'not a url', '//univ.example/x', `https://univ.example/${'a'.repeat(2000)}`]) {
      assert.equal(errorOf(await createMeeting(app, cookie, 'x', { redirectUrl }), 400), 'http.invalid_body', redirectUrl.slice(0, 40));
    }
    const ok = await createMeeting(app, cookie, 'x', { redirectUrl: 'http://univ.example/bye?x=1' });
    assert.equal(ok.statusCode, 201, ok.body);
  });

  it('refuses a passcode that is not 4 to 32 letters or digits', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    for (const passcode of ['abc', '', 'has space', 'dash-ed', 'ünïcode1', 'x'.repeat(33), 1234]) {
      assert.equal(errorOf(await createMeeting(app, cookie, 'x', { passcode }), 400), 'http.invalid_body', String(passcode));
    }
    for (const passcode of ['abcd', 'x'.repeat(32), '0000']) {
      assert.equal((await createMeeting(app, cookie, 'x', { passcode })).statusCode, 201, passcode);
    }
  });

  it('refuses flags that are not booleans', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    assert.equal(errorOf(await createMeeting(app, cookie, 'x', { waitingRoom: 'yes' }), 400), 'http.invalid_body');
    assert.equal(errorOf(await createMeeting(app, cookie, 'x', { muteOnEntry: 1 }), 400), 'http.invalid_body');
    assert.equal(errorOf(await createMeeting(app, cookie, 'x', 'all on'), 400), 'http.invalid_body');
  });
});

describe('PATCH /api/meetings/:id', () => {
  it('the owner changes the title and some settings; the rest is kept', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const { meeting } = MeetingResponse.parse((await createMeeting(app, cookie, 'Algebra', { passcode: 'S3cret42', capacity: 40 })).json());
    const res = await updateMeeting(app, cookie, meeting.id, { title: '  Algebra II ', settings: { waitingRoom: false, passcode: null } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const updated = MeetingResponse.parse(res.json()).meeting;
    assert.deepEqual(updated, {
      ...meeting,
      title: 'Algebra II',
      settings: { ...DEFAULT_MEETING_SETTINGS, waitingRoom: false, passcode: null, capacity: 40 },
    });
    const list = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie } })).json()).meetings;
    assert.deepEqual(list, [updated]);
    const card = await app.inject({ method: 'GET', url: `/api/meetings/${meeting.id}/public` });
    assert.equal(card.json().meeting.passcodeRequired, false);
    assert.equal(card.json().meeting.title, 'Algebra II');
  });

  it("someone else's PATCH is 404 meeting.not_found and changes nothing; so is an unknown id", async (t) => {
    const { app, storage } = await setup(t);
    await organiser(storage, { email: 'grace@example.org', name: 'Grace Hopper', passwordHash: await hashPassword('grace password'), isAdmin: true });
    const ada = await signIn(app);
    const grace = await signIn(app, 'grace@example.org', 'grace password');
    const { meeting } = MeetingResponse.parse((await createMeeting(app, ada, 'Algebra', { passcode: 'S3cret42' })).json());

    assert.equal(errorOf(await updateMeeting(app, grace, meeting.id, { title: 'Mine now', settings: { passcode: null } }), 404), 'meeting.not_found');
    assert.equal(errorOf(await updateMeeting(app, grace, meeting.id, {}), 404), 'meeting.not_found');
    assert.equal(errorOf(await updateMeeting(app, ada, 'zzz-zzzz-zzz', { title: 'x' }), 404), 'meeting.not_found');
    const list = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie: ada } })).json()).meetings;
    assert.deepEqual(list, [meeting]);
  });

  it('needs sign-in and the CSRF header, and validates like POST', async (t) => {
    const { app } = await setup(t, PUBLIC_URL, { capacity: 50, redirectUrl: null });
    const cookie = await signIn(app);
    const { meeting } = MeetingResponse.parse((await createMeeting(app, cookie, 'Algebra')).json());
    assert.equal(errorOf(await updateMeeting(app, undefined, meeting.id, { title: 'x' }), 401), 'auth.unauthenticated');
    const noCsrf = await app.inject({ method: 'PATCH', url: `/api/meetings/${meeting.id}`, headers: { cookie }, payload: { title: 'x' } });
    assert.equal(errorOf(noCsrf, 403), 'http.csrf');
    assert.equal(errorOf(await updateMeeting(app, cookie, meeting.id, { settings: { capacity: 51 } }), 400), 'http.invalid_body');
    assert.equal(errorOf(await updateMeeting(app, cookie, meeting.id, { settings: { redirectUrl: 'javascript:alert(1)' } }), 400), 'http.invalid_body');
    assert.equal(errorOf(await updateMeeting(app, cookie, meeting.id, { settings: { passcode: 'no' } }), 400), 'http.invalid_body');
    assert.equal(errorOf(await updateMeeting(app, cookie, meeting.id, { title: '   ' }), 400), 'http.invalid_body');
    const list = MeetingsResponse.parse((await app.inject({ method: 'GET', url: '/api/meetings', headers: { cookie } })).json()).meetings;
    assert.deepEqual(list, [meeting], 'refused changes left the meeting as it was');
  });
});

describe('responses', () => {
  it('carry the security headers, on success and on error', async (t) => {
    const { app } = await setup(t);
    const ok = await app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(ok.statusCode, 200);
    const notFound = await app.inject({ method: 'GET', url: '/api/nothing-here' });
    assert.equal(errorOf(notFound, 404), 'http.not_found');
    const refused = await login(app, 'ada@example.org', PASSWORD, {});
    assert.equal(errorOf(refused, 403), 'http.csrf');

    for (const res of [ok, notFound, refused]) {
      const csp = res.headers['content-security-policy'];
      assert.equal(typeof csp, 'string');
      assert.match(String(csp), /default-src 'self'/);
      assert.match(String(csp), /frame-ancestors 'none'/);
      assert.match(String(csp), /connect-src 'self' ws:\/\/amphi\.test/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
  });
});

describe('malformed URLs', () => {
  it('get the catalogue error shape, not the framework one', async (t) => {
    const { app } = await setup(t);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/meetings/%ZZ/public' }), 404), 'http.not_found');
  });
});

describe('scheduling, personal room, deleting, invitations', () => {
  const schedule = { startsAt: '2027-01-12T14:30', timeZone: 'Europe/Paris', durationMinutes: 90, recurrence: { freq: 'weekly', until: '2027-02-02' } };
  const post = (app: FastifyInstance, cookie: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/meetings', headers: { ...CSRF, cookie }, payload });

  it('stores a schedule and reports the next occurrence; bad schedules are refused', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const res = await post(app, cookie, { title: 'Jury', description: 'Thesis defence', schedule });
    assert.equal(res.statusCode, 201);
    const meeting = res.json().meeting;
    assert.deepEqual(meeting.schedule, schedule);
    assert.equal(meeting.description, 'Thesis defence');
    assert.equal(meeting.nextStart, '2027-01-12T13:30:00.000Z');
    for (const bad of [
      { ...schedule, timeZone: 'Mars/Base' },
      { ...schedule, startsAt: '2027-13-01T10:00' },
      { ...schedule, durationMinutes: 2 },
      { ...schedule, recurrence: { freq: 'weekly', until: '2027-01-01' } },
      { ...schedule, recurrence: { freq: 'hourly', until: '2027-02-01' } },
    ]) {
      assert.equal(errorOf(await post(app, cookie, { title: 'x', schedule: bad }), 400), 'http.invalid_body', JSON.stringify(bad));
    }
    const cleared = await updateMeeting(app, cookie, meeting.id, { schedule: null });
    assert.equal(cleared.json().meeting.schedule, null);
    assert.equal(cleared.json().meeting.nextStart, null);
  });

  it('the personal room is made once and stays the same', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const a = await app.inject({ method: 'GET', url: '/api/me/personal-room', headers: { cookie } });
    const b = await app.inject({ method: 'GET', url: '/api/me/personal-room', headers: { cookie } });
    assert.equal(a.json().meeting.id, b.json().meeting.id);
    assert.equal(a.json().meeting.personal, true);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: '/api/me/personal-room' }), 401), 'auth.unauthenticated');
  });

  it('only the owner deletes a meeting, and then its link is gone', async (t) => {
    const { app, storage } = await setup(t);
    const cookie = await signIn(app);
    const id = (await post(app, cookie, { title: 'Temp' })).json().meeting.id;
    await organiser(storage, { email: 'eve@example.org', name: 'Eve', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
    const eve = await signIn(app, 'eve@example.org');
    assert.equal(errorOf(await app.inject({ method: 'DELETE', url: `/api/meetings/${id}`, headers: { ...CSRF, cookie: eve } }), 404), 'meeting.not_found');
    assert.equal(errorOf(await app.inject({ method: 'DELETE', url: `/api/meetings/${id}`, headers: { cookie } }), 403), 'http.csrf');
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/meetings/${id}`, headers: { ...CSRF, cookie } })).statusCode, 200);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: `/api/meetings/${id}/public` }), 404), 'meeting.not_found');
  });

  it('invitations: text and .ics for the owner only; email needs a mail server', async (t) => {
    const { app } = await setup(t);
    const cookie = await signIn(app);
    const id = (await post(app, cookie, { title: 'Jury', schedule })).json().meeting.id;
    const text = await app.inject({ method: 'GET', url: `/api/meetings/${id}/invitation?lang=en`, headers: { cookie } });
    assert.match(text.json().text, new RegExp(`Join: http://amphi.test/m/${id}`));
    const ics = await app.inject({ method: 'GET', url: `/api/meetings/${id}/invitation.ics`, headers: { cookie } });
    assert.match(String(ics.headers['content-type']), /text\/calendar/);
    assert.match(ics.body, /DTSTART;TZID=Europe\/Paris:20270112T143000/);
    assert.equal(errorOf(await app.inject({ method: 'GET', url: `/api/meetings/${id}/invitation.ics` }), 401), 'auth.unauthenticated');
    const send = (emails: unknown) => app.inject({ method: 'POST', url: `/api/meetings/${id}/invitations`, headers: { ...CSRF, cookie }, payload: { emails, language: 'en' } });
    assert.equal(errorOf(await send(['not-an-email']), 400), 'http.invalid_body');
    assert.equal(errorOf(await send(Array.from({ length: 51 }, (_, i) => `p${i}@example.org`)), 400), 'http.invalid_body');
    assert.equal(errorOf(await send(['jury@univ.example']), 503), 'mail.unavailable');
    const undated = (await post(app, cookie, { title: 'Any time' })).json().meeting.id;
    assert.equal(errorOf(await app.inject({ method: 'GET', url: `/api/meetings/${undated}/invitation.ics`, headers: { cookie } }), 404), 'http.not_found');
  });
});

describe('prepared polls', () => {
  it('the organiser adds, lists and removes polls; others cannot; bad polls are refused', async (t) => {
    const { app, storage } = await setup(t);
    const cookie = await signIn(app);
    const id = (await app.inject({ method: 'POST', url: '/api/meetings', headers: { ...CSRF, cookie }, payload: { title: 'Class' } })).json().meeting.id;
    const poll = { question: 'Ready?', kind: 'single', options: ['Yes', 'No'], anonymous: true };
    const added = await app.inject({ method: 'POST', url: `/api/meetings/${id}/polls`, headers: { ...CSRF, cookie }, payload: poll });
    assert.equal(added.statusCode, 201);
    const list = await app.inject({ method: 'GET', url: `/api/meetings/${id}/polls`, headers: { cookie } });
    assert.deepEqual(list.json().polls, [{ ...poll, id: added.json().poll.id }]);
    assert.equal(errorOf(await app.inject({ method: 'POST', url: `/api/meetings/${id}/polls`, headers: { ...CSRF, cookie }, payload: { ...poll, options: ['Only one'] } }), 400), 'http.invalid_body');
    await organiser(storage, { email: 'eve@example.org', name: 'Eve', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
    const eve = await signIn(app, 'eve@example.org');
    assert.equal(errorOf(await app.inject({ method: 'GET', url: `/api/meetings/${id}/polls`, headers: { cookie: eve } }), 404), 'meeting.not_found');
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/meetings/${id}/polls/${added.json().poll.id}`, headers: { ...CSRF, cookie } })).statusCode, 200);
    assert.deepEqual((await app.inject({ method: 'GET', url: `/api/meetings/${id}/polls`, headers: { cookie } })).json().polls, []);
  });
});

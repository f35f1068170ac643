// Amphi as an LTI 1.3 tool, against a test platform that behaves like Moodle's mod_lti (in a
// child process, tests/fixtures/ltiPlatform.ts: no platform emulator is installable from npm or
// Debian, see shared/notes/moodle.md D.1). Amphi's app gets requests by inject(); the platform
// serves its keys, auth.php, token.php, NRPS and groups over HTTP, and Amphi fetches them for real.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { decodeHtml as decode, hiddenFields, STUDENT, TEACHER, startLtiPlatform, type LaunchSpec, type TestPlatform } from '../../../../tests/fixtures/ltiPlatform.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import { FakeMediaBackend } from '../domain/testing/fakes.ts';
import type { Storage } from '../storage/Storage.ts';
import { CSRF, freshApp, PASSWORD, PUBLIC_URL, signIn } from './testing/httpHarness.ts';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let platform: TestPlatform;

before(async () => {
  platform = await startLtiPlatform({ toolLoginUrl: `${PUBLIC_URL}/lti/login`, toolLaunchUrl: `${PUBLIC_URL}/lti/launch` });
});
after(async () => {
  await platform?.close();
});

interface Bed {
  app: FastifyInstance;
  storage: Storage;
  live: MeetingRegistry;
  admin: Record<string, string>;
  registrationId: string;
  serviceUserId: string;
}

/** A fresh app with the test platform registered through the admin console. */
async function bed(t: TestContext): Promise<Bed> {
  const { app, storage, live } = await freshApp(t, { media: new FakeMediaBackend() });
  await storage.users.create({ email: 'admin@u.fr', name: 'Admin', passwordHash: await hashPassword(PASSWORD), isAdmin: true });
  const admin = { ...CSRF, cookie: await signIn(app, 'admin@u.fr') };
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/lti/registrations',
    headers: admin,
    payload: { name: 'Moodle test', issuer: platform.issuer + '/', clientId: platform.clientId, deploymentIds: [platform.deploymentId], authUrl: platform.authUrl, jwksUrl: platform.jwksUrl, tokenUrl: platform.tokenUrl },
  });
  assert.equal(res.statusCode, 201, res.body);
  const registrationId = res.json().registration.id as string;
  const registration = await storage.lti.registration(registrationId);
  // The platform verifies Amphi's JWTs with the keyset Amphi publishes (it cannot fetch an injected app).
  await platform.setToolJwks((await app.inject({ method: 'GET', url: '/lti/jwks' })).json());
  return { app, storage, live, admin, registrationId, serviceUserId: registration!.serviceUserId };
}

function formAction(html: string): string {
  return decode(/<form[^>]*action="([^"]+)"/.exec(html)![1]!);
}

/** Moodle's launch, step by step: login initiation, auth.php, the form post of id_token and state. */
async function launch(app: FastifyInstance, spec: LaunchSpec): Promise<{ res: LightMyRequestResponse; fields: Record<string, string> }> {
  const prepared = await platform.prepare(spec);
  const login = await app.inject({ method: 'POST', url: '/lti/login', headers: FORM, payload: new URLSearchParams(platform.loginParams(prepared)).toString() });
  assert.equal(login.statusCode, 302, login.body);
  const auth = await fetch(String(login.headers.location));
  const html = await auth.text();
  assert.equal(auth.status, 200, html);
  assert.equal(formAction(html), `${PUBLIC_URL}/lti/launch`);
  const fields = hiddenFields(html);
  return { res: await postLaunch(app, fields), fields };
}
function postLaunch(app: FastifyInstance, fields: Record<string, string>) {
  return app.inject({ method: 'POST', url: '/lti/launch', headers: { ...FORM, origin: platform.issuer }, payload: new URLSearchParams(fields).toString() });
}

/** The pre-join URL a launch redirected to, and what its ticket grants. */
async function joinOf(bed: Bed, res: LightMyRequestResponse) {
  assert.equal(res.statusCode, 303, res.body);
  const location = new URL(String(res.headers.location));
  assert.equal(location.origin, PUBLIC_URL);
  const meetingId = /^\/m\/([a-z-]+)$/.exec(location.pathname)![1]!;
  const ticket = await bed.live.tickets.redeem(location.searchParams.get('ticket')!, meetingId);
  assert.ok(ticket, 'the ticket redeems once, for its meeting');
  return { meetingId, name: location.searchParams.get('name'), ticket };
}

function assertRefused(res: LightMyRequestResponse, code = 'lti.launch_refused') {
  assert.equal(res.statusCode, code === 'lti.launch_refused' ? 401 : res.statusCode, res.body);
  assert.match(res.body, new RegExp(`data-error-code="${code.replace('.', '\\.')}"`), res.body);
}

describe('LTI registrations in the admin console', () => {
  it('administrators register, list and delete platforms, audited; the service account holds a licence', async (t) => {
    const b = await bed(t);
    const listed = await b.app.inject({ method: 'GET', url: '/api/admin/lti', headers: b.admin });
    assert.equal(listed.statusCode, 200);
    const body = listed.json();
    assert.equal(body.registrations.length, 1);
    // The trailing slash of the pasted issuer is dropped: Moodle's iss is its wwwroot without one.
    assert.equal(body.registrations[0].issuer, platform.issuer);
    assert.deepEqual(body.tool, {
      toolUrl: `${PUBLIC_URL}/lti/launch`,
      initiateLoginUrl: `${PUBLIC_URL}/lti/login`,
      redirectionUris: [`${PUBLIC_URL}/lti/launch`],
      publicKeysetUrl: `${PUBLIC_URL}/lti/jwks`,
      deepLinkingUrl: `${PUBLIC_URL}/lti/launch`,
    });
    assert.equal((await b.storage.users.byId(b.serviceUserId))?.licensed, true);
    const twice = await b.app.inject({ method: 'POST', url: '/api/admin/lti/registrations', headers: b.admin, payload: { name: 'again', issuer: platform.issuer, clientId: platform.clientId, deploymentIds: ['3'], authUrl: platform.authUrl, jwksUrl: platform.jwksUrl, tokenUrl: platform.tokenUrl } });
    assert.equal(twice.statusCode, 400);
    const deleted = await b.app.inject({ method: 'DELETE', url: `/api/admin/lti/registrations/${b.registrationId}`, headers: b.admin });
    assert.equal(deleted.statusCode, 200);
    assert.equal((await b.storage.users.byId(b.serviceUserId))?.licensed, false);
    const actions = (await b.storage.licences.auditLog(50)).map((e) => e.action);
    assert.ok(actions.includes('lti_registration.created') && actions.includes('lti_registration.deleted'), actions.join());

    await b.storage.users.create({ email: 'u@u.fr', name: 'U', passwordHash: await hashPassword(PASSWORD), isAdmin: false });
    const other = { ...CSRF, cookie: await signIn(b.app, 'u@u.fr') };
    assert.equal((await b.app.inject({ method: 'GET', url: '/api/admin/lti', headers: other })).statusCode, 403);
  });

  it('publishes the tool keyset: RSA public keys with alg RS256 and a kid, never the private part', async (t) => {
    const b = await bed(t);
    for (const url of ['/lti/jwks', '/lti/jwks.json']) {
      const res = await b.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      const { keys } = res.json() as { keys: Record<string, unknown>[] };
      assert.equal(keys.length, 1);
      assert.equal(keys[0]!.alg, 'RS256');
      assert.equal(keys[0]!.kty, 'RSA');
      assert.equal(keys[0]!.use, 'sig');
      assert.ok(typeof keys[0]!.kid === 'string');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(keys[0]![secret], undefined);
    }
  });
});

describe('LTI dynamic registration', () => {
  it('an administrator’s one-use registration URL registers Amphi with the platform, audited', async (t) => {
    const b = await bed(t);
    const made = await b.app.inject({ method: 'POST', url: '/api/admin/lti/registration-url', headers: b.admin });
    assert.equal(made.statusCode, 200, made.body);
    const registrationUrl = new URL(made.json().url as string);
    assert.equal(registrationUrl.origin + registrationUrl.pathname, `${PUBLIC_URL}/lti/register`);
    const start = await platform.startRegistration();
    for (const [k, v] of Object.entries(start)) registrationUrl.searchParams.set(k, v);
    const res = await b.app.inject({ method: 'GET', url: registrationUrl.pathname + registrationUrl.search });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /data-lti-close/);
    const sent = (await platform.registrations()).at(-1)!;
    assert.equal(sent.initiate_login_uri, `${PUBLIC_URL}/lti/login`);
    assert.deepEqual(sent.redirect_uris, [`${PUBLIC_URL}/lti/launch`]);
    assert.equal(sent.jwks_uri, `${PUBLIC_URL}/lti/jwks`);
    const registered = (await b.storage.lti.registrations()).find((r) => r.deploymentIds.includes('4'));
    assert.ok(registered, 'stored with the deployment id the platform answered');
    assert.equal(registered.issuer, platform.issuer);
    assert.equal(registered.authUrl, platform.authUrl);
    assert.equal(registered.tokenUrl, platform.tokenUrl);
    assert.equal((await b.storage.users.byId(registered.serviceUserId))?.licensed, true);
    // The URL works once; without a key, nothing happens.
    assertRefused(await b.app.inject({ method: 'GET', url: registrationUrl.pathname + registrationUrl.search }));
    const noKey = new URL(registrationUrl);
    noKey.searchParams.delete('key');
    assertRefused(await b.app.inject({ method: 'GET', url: noKey.pathname + noKey.search }));
    assert.equal((await b.storage.lti.registrations()).length, 2);
  });
});

describe('LTI login initiation', () => {
  it('sends the browser to the platform with state, nonce and the hints echoed', async (t) => {
    const b = await bed(t);
    const prepared = await platform.prepare({ user: TEACHER });
    const params = platform.loginParams(prepared);
    for (const res of [
      await b.app.inject({ method: 'POST', url: '/lti/login', headers: FORM, payload: new URLSearchParams(params).toString() }),
      await b.app.inject({ method: 'GET', url: `/lti/login?${new URLSearchParams(params)}` }),
    ]) {
      assert.equal(res.statusCode, 302, res.body);
      const to = new URL(String(res.headers.location));
      assert.equal(`${to.origin}${to.pathname}`, platform.authUrl);
      const q = to.searchParams;
      assert.equal(q.get('scope'), 'openid');
      assert.equal(q.get('response_type'), 'id_token');
      assert.equal(q.get('response_mode'), 'form_post');
      assert.equal(q.get('prompt'), 'none');
      assert.equal(q.get('client_id'), platform.clientId);
      assert.equal(q.get('redirect_uri'), `${PUBLIC_URL}/lti/launch`);
      assert.equal(q.get('login_hint'), TEACHER.sub);
      assert.equal(q.get('lti_message_hint'), prepared.hint);
      assert.ok((q.get('state') ?? '').length >= 32 && (q.get('nonce') ?? '').length >= 32);
      // No cookie: the login runs in the platform's iframe, where Amphi's cookies are third-party.
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  it('refuses an unknown platform, an unknown deployment and a target outside Amphi', async (t) => {
    const b = await bed(t);
    const params = platform.loginParams(await platform.prepare({ user: TEACHER }));
    for (const change of [{ iss: 'https://moodle.elsewhere.example' }, { client_id: 'other' }, { lti_deployment_id: '99' }, { target_link_uri: 'https://evil.example/lti/launch' }, { login_hint: '' }] as Record<string, string>[]) {
      const res = await b.app.inject({ method: 'POST', url: '/lti/login', headers: FORM, payload: new URLSearchParams({ ...params, ...change }).toString() });
      assertRefused(res);
    }
  });
});

describe('LTI resource link launch', () => {
  it('an instructor lands on the pre-join page as host of a new meeting; a learner as participant of the same one', async (t) => {
    const b = await bed(t);
    const teacher = (await joinOf(b, (await launch(b.app, { user: TEACHER, resourceLink: { id: '5', title: 'CM Physique' } })).res));
    assert.equal(teacher.name, 'Marie Curie');
    assert.equal(teacher.ticket.role, 'host');
    assert.equal(teacher.ticket.externalUserId, TEACHER.sub);
    const meeting = await b.storage.meetings.byId(teacher.meetingId);
    assert.equal(meeting?.title, 'CM Physique');
    assert.equal(meeting?.ownerId, b.serviceUserId, 'owned by the platform’s service account');

    const student = (await joinOf(b, (await launch(b.app, { user: STUDENT, resourceLink: { id: '5' } })).res));
    assert.equal(student.meetingId, teacher.meetingId);
    assert.equal(student.ticket.role, 'participant');
    assert.equal(student.name, 'Léo Martin');

    // A second launch of the same resource link reuses the meeting; another link gets its own.
    const again = (await joinOf(b, (await launch(b.app, { user: TEACHER, resourceLink: { id: '5' } })).res));
    assert.equal(again.meetingId, teacher.meetingId);
    const other = (await joinOf(b, (await launch(b.app, { user: TEACHER, resourceLink: { id: '6' } })).res));
    assert.notEqual(other.meetingId, teacher.meetingId);
    assert.equal((await b.storage.meetings.byOwner(b.serviceUserId)).length, 2);
  });

  it('administrators host; other roles (mentor, teaching assistant) join as participants', async (t) => {
    const b = await bed(t);
    const admin = (await joinOf(b, (await launch(b.app, { user: { sub: '1', name: 'Site Admin', roles: ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator', 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'] } })).res));
    assert.equal(admin.ticket.role, 'host');
    const ta = (await joinOf(b, (await launch(b.app, { user: { sub: '9', name: 'TA', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'] } })).res));
    assert.equal(ta.ticket.role, 'participant');
  });

  it('a learner launching before any teacher is asked to wait, and no meeting is made', async (t) => {
    const b = await bed(t);
    const { res } = await launch(b.app, { user: STUDENT, resourceLink: { id: '77', title: 'TD' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /data-testid="lti-waiting"/);
    assert.equal((await b.storage.meetings.byOwner(b.serviceUserId)).length, 0);
  });

  it('in an iframe, offers a button that opens the pre-join page in a new window, framable by the platform only', async (t) => {
    const b = await bed(t);
    const { res } = await launch(b.app, { user: TEACHER, documentTarget: 'iframe' });
    assert.equal(res.statusCode, 200, res.body);
    const link = decode(/data-testid="lti-open" href="([^"]+)" target="_blank"/.exec(res.body)![1]!);
    const url = new URL(link);
    assert.match(url.pathname, /^\/m\/[a-z-]+$/);
    assert.ok(url.searchParams.get('ticket'));
    assert.match(String(res.headers['content-security-policy']), new RegExp(`frame-ancestors ${platform.issuer.replace(/[.]/g, '\\.')};`));
    assert.equal(res.headers['x-frame-options'], undefined);
  });

  it('refuses a bad signature, another audience, an expired token, an unknown deployment and another message type', async (t) => {
    const b = await bed(t);
    const refused: LaunchSpec[] = [
      { user: TEACHER, rogueKey: true },
      { user: TEACHER, claims: { aud: 'another-client' } },
      { user: TEACHER, claims: { aud: ['another-client', platform.clientId], azp: 'another-client' } },
      { user: TEACHER, shiftS: -600 },
      { user: TEACHER, claims: { iss: 'https://moodle.elsewhere.example' } },
      { user: TEACHER, claims: { [`${LTI}deployment_id`]: '99' } },
      { user: TEACHER, claims: { [`${LTI}message_type`]: 'LtiSubmissionReviewRequest' } },
      { user: TEACHER, claims: { [`${LTI}version`]: '1.1' } },
      { user: TEACHER, claims: { [`${LTI}resource_link`]: null } },
      { user: TEACHER, claims: { nonce: 'not-the-login-nonce' } },
    ];
    for (const spec of refused) assertRefused((await launch(b.app, spec)).res);
    assert.equal((await b.storage.meetings.byOwner(b.serviceUserId)).length, 0, 'no refused launch made a meeting');
  });

  it('refuses a replayed launch: the same post again, or its token under a new login', async (t) => {
    const b = await bed(t);
    const first = await launch(b.app, { user: TEACHER });
    (await joinOf(b, first.res));
    assertRefused(await postLaunch(b.app, first.fields));
    // A fresh login (new state and nonce) with the old token: the nonce is not this login's.
    const prepared = await platform.prepare({ user: TEACHER });
    const login = await b.app.inject({ method: 'POST', url: '/lti/login', headers: FORM, payload: new URLSearchParams(platform.loginParams(prepared)).toString() });
    const state = new URL(String(login.headers.location)).searchParams.get('state')!;
    assertRefused(await postLaunch(b.app, { id_token: first.fields.id_token!, state }));
    // A state Amphi never issued.
    assertRefused(await postLaunch(b.app, { id_token: first.fields.id_token!, state: 'made-up' }));
  });

  it('is exempt from the API CSRF check (a cross-site form post), and refuses the platform’s error answers', async (t) => {
    const b = await bed(t);
    const res = await b.app.inject({ method: 'POST', url: '/lti/launch', headers: { ...FORM, origin: 'https://moodle.example' }, payload: 'error=login_required&state=x' });
    assertRefused(res);
  });
});

describe('LTI deep linking', () => {
  for (const stringFlags of [false, true]) {
    it(`a teacher names a new meeting; the signed response verifies with /lti/jwks and the platform accepts it${stringFlags ? ' (older Moodle: flags as strings)' : ''}`, async (t) => {
      const b = await bed(t);
      const { res } = await launch(b.app, { user: TEACHER, messageType: 'LtiDeepLinkingRequest', stringFlags, documentTarget: 'iframe' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(formAction(res.body), '/lti/deep-link');
      const token = hiddenFields(res.body).token!;
      assert.match(res.body, /name="breakouts"/, 'the course shares its members: breakout rooms from groups are offered');
      const chosen = await b.app.inject({ method: 'POST', url: '/lti/deep-link', headers: FORM, payload: new URLSearchParams({ token, meeting: '', title: 'CM Physique (mardi 10h)', ...(stringFlags ? {} : { breakouts: '1' }) }).toString() });
      assert.equal(chosen.statusCode, 200, chosen.body);
      const returnUrl = formAction(chosen.body);
      assert.ok(returnUrl.startsWith(`${platform.issuer}/mod/lti/contentitem_return.php?`), returnUrl);
      assert.match(String(chosen.headers['content-security-policy']), new RegExp(`form-action 'self' ${platform.issuer.replace(/[.]/g, '\\.')}`));
      const jwt = hiddenFields(chosen.body).JWT!;

      const jwks = createLocalJWKSet((await b.app.inject({ method: 'GET', url: '/lti/jwks' })).json());
      const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { algorithms: ['RS256'], issuer: platform.clientId, audience: platform.issuer });
      assert.ok(protectedHeader.kid);
      assert.equal(payload[`${LTI}message_type`], 'LtiDeepLinkingResponse');
      assert.equal(payload[`${LTI}version`], '1.3.0');
      assert.equal(payload[`${LTI}deployment_id`], platform.deploymentId);
      const items = payload[`${DL}content_items`] as { type: string; title: string; url?: string; custom: Record<string, string>; window?: unknown }[];
      assert.equal(items.length, 1);
      assert.equal(items[0]!.type, 'ltiResourceLink');
      assert.equal(items[0]!.title, 'CM Physique (mardi 10h)');
      assert.equal(items[0]!.url, undefined, 'no url: the activity keeps the registered tool');
      assert.ok(items[0]!.window);
      const meetingId = items[0]!.custom.amphi_meeting!;
      assert.equal((await b.storage.meetings.byId(meetingId))?.ownerId, b.serviceUserId);
      // Ticked: the new meeting's breakout plan comes from the course groups; not ticked: no plan.
      assert.deepEqual((await b.storage.breakouts.get(meetingId)).rooms, stringFlags ? [] : ['Groupe TD 1', 'Groupe TD 2']);

      // The platform (Moodle's contentitem_return.php) verifies it with Amphi's keys.
      const posted = await fetch(returnUrl, { method: 'POST', headers: FORM, body: new URLSearchParams({ JWT: jwt }) });
      assert.equal(posted.status, 200, await posted.text());
      assert.ok((await platform.deepLinks()).some((d) => (d.payload?.[`${DL}content_items`] as { custom: { amphi_meeting: string } }[] | undefined)?.[0]?.custom.amphi_meeting === meetingId));

      // The activity Moodle made carries the meeting as a custom parameter: its launches land there.
      const launched = (await joinOf(b, (await launch(b.app, { user: STUDENT, resourceLink: { id: '88' }, custom: { amphi_meeting: meetingId } })).res));
      assert.equal(launched.meetingId, meetingId);
      assert.equal(launched.ticket.role, 'participant');
      // The picker page is used up with its answer.
      const twice = await b.app.inject({ method: 'POST', url: '/lti/deep-link', headers: FORM, payload: new URLSearchParams({ token, meeting: '', title: 'again' }).toString() });
      assertRefused(twice);
    });
  }

  it('a teacher may pick a meeting this platform already uses; learners cannot deep link', async (t) => {
    const b = await bed(t);
    const first = (await joinOf(b, (await launch(b.app, { user: TEACHER, resourceLink: { id: '5', title: 'CM' } })).res));
    const { res } = await launch(b.app, { user: TEACHER, messageType: 'LtiDeepLinkingRequest' });
    assert.match(res.body, new RegExp(`value="${first.meetingId}"`));
    const chosen = await b.app.inject({ method: 'POST', url: '/lti/deep-link', headers: FORM, payload: new URLSearchParams({ token: hiddenFields(res.body).token!, meeting: first.meetingId }).toString() });
    assert.equal(chosen.statusCode, 200, chosen.body);
    const { payload } = await jwtVerify(hiddenFields(chosen.body).JWT!, createLocalJWKSet((await b.app.inject({ method: 'GET', url: '/lti/jwks' })).json()));
    assert.equal((payload[`${DL}content_items`] as { custom: Record<string, string> }[])[0]!.custom.amphi_meeting, first.meetingId);

    assertRefused((await launch(b.app, { user: STUDENT, messageType: 'LtiDeepLinkingRequest' })).res);
  });
});

describe('LTI: a course reaches only its own meetings (audit, hole 3)', () => {
  const OTHER = { id: '7', title: 'Chimie 2' };
  const OTHER_TEACHER = { sub: 'teacher-chimie', name: 'Prof Chimie', roles: TEACHER.roles };

  it('a teacher of another course who names a meeting in the custom parameters gets a meeting of their own, not host of that one', async (t) => {
    const b = await bed(t);
    const physics = (await joinOf(b, (await launch(b.app, { user: TEACHER, resourceLink: { id: '5', title: 'CM Physique' } })).res));
    // The attack: an activity in Chimie 2 whose custom parameters name the physics meeting.
    const attack = (await joinOf(b, (await launch(b.app, { user: OTHER_TEACHER, context: OTHER, resourceLink: { id: '31', title: 'TD Chimie' }, custom: { amphi_meeting: physics.meetingId } })).res));
    assert.notEqual(attack.meetingId, physics.meetingId, 'the named meeting belongs to another course');
    assert.equal(attack.ticket.role, 'host', 'a meeting of Chimie 2 for its teacher');
    assert.equal((await b.storage.meetings.byId(attack.meetingId))?.title, 'TD Chimie');
    // Launched again, the Chimie activity keeps its own meeting; a Chimie student never reaches physics.
    assert.equal((await joinOf(b, (await launch(b.app, { user: OTHER_TEACHER, context: OTHER, resourceLink: { id: '31' }, custom: { amphi_meeting: physics.meetingId } })).res)).meetingId, attack.meetingId);
    const student = await launch(b.app, { user: STUDENT, context: OTHER, resourceLink: { id: '32' }, custom: { amphi_meeting: physics.meetingId } });
    assert.equal(student.res.statusCode, 200, 'no meeting of Chimie 2 behind this activity yet: the student waits');
    assert.match(student.res.body, /data-testid="lti-waiting"/);
    // In its own course, the named meeting still lands (an activity Moodle gave a new resource link id).
    assert.equal((await joinOf(b, (await launch(b.app, { user: STUDENT, resourceLink: { id: '6' }, custom: { amphi_meeting: physics.meetingId } })).res)).meetingId, physics.meetingId);
  });

  it("the deep-linking picker lists and accepts this course's meetings only", async (t) => {
    const b = await bed(t);
    const physics = (await joinOf(b, (await launch(b.app, { user: TEACHER, resourceLink: { id: '5', title: 'CM Physique' } })).res));
    const { res } = await launch(b.app, { user: OTHER_TEACHER, context: OTHER, messageType: 'LtiDeepLinkingRequest' });
    assert.equal(res.statusCode, 200, res.body);
    assert.doesNotMatch(res.body, new RegExp(physics.meetingId), 'the physics meeting is not offered in Chimie 2');
    // Posting its id anyway is refused.
    const forced = await b.app.inject({ method: 'POST', url: '/lti/deep-link', headers: FORM, payload: new URLSearchParams({ token: hiddenFields(res.body).token!, meeting: physics.meetingId }).toString() });
    assertRefused(forced, 'meeting.not_found');
    // A meeting the Chimie picker makes belongs to Chimie 2: offered there next time, not in physics.
    const again = await launch(b.app, { user: OTHER_TEACHER, context: OTHER, messageType: 'LtiDeepLinkingRequest' });
    const made = await b.app.inject({ method: 'POST', url: '/lti/deep-link', headers: FORM, payload: new URLSearchParams({ token: hiddenFields(again.res.body).token!, meeting: '', title: 'Jury Chimie' }).toString() });
    assert.equal(made.statusCode, 200, made.body);
    const { payload } = await jwtVerify(hiddenFields(made.body).JWT!, createLocalJWKSet((await b.app.inject({ method: 'GET', url: '/lti/jwks' })).json()));
    const chimie = (payload[`${DL}content_items`] as { custom: Record<string, string> }[])[0]!.custom.amphi_meeting!;
    assert.match((await launch(b.app, { user: OTHER_TEACHER, context: OTHER, messageType: 'LtiDeepLinkingRequest' })).res.body, new RegExp(`value="${chimie}"`));
    assert.doesNotMatch((await launch(b.app, { user: TEACHER, messageType: 'LtiDeepLinkingRequest' })).res.body, new RegExp(chimie));
    // Its activity's launches land in it from Chimie 2, and not from physics.
    assert.equal((await joinOf(b, (await launch(b.app, { user: STUDENT, context: OTHER, resourceLink: { id: '40' }, custom: { amphi_meeting: chimie } })).res)).meetingId, chimie);
    const fromPhysics = await launch(b.app, { user: TEACHER, resourceLink: { id: '41' }, custom: { amphi_meeting: chimie } });
    assert.notEqual((await joinOf(b, fromPhysics.res)).meetingId, chimie);
  });
});

describe('LTI Names and Roles: breakout rooms from the course groups', () => {
  it('with a client-credentials token, reads the members (all pages) and groups into the breakout plan', async (t) => {
    const b = await bed(t);
    const { res } = await launch(b.app, { user: TEACHER, documentTarget: 'iframe', resourceLink: { id: '5' } });
    assert.equal(res.statusCode, 200, res.body);
    const meetingId = /\/m\/([a-z-]+)\?/.exec(res.body)![1]!;
    const grant = hiddenFields(res.body).grant!;
    const done = await b.app.inject({ method: 'POST', url: '/lti/breakouts', headers: FORM, payload: new URLSearchParams({ grant }).toString() });
    assert.equal(done.statusCode, 200, done.body);
    assert.match(done.body, /data-testid="lti-message"/);
    const plan = await b.storage.breakouts.get(meetingId);
    assert.deepEqual(plan.rooms, ['Groupe TD 1', 'Groupe TD 2']);
    assert.deepEqual(
      plan.assignments.map((a) => [a.name, a.email, a.room]),
      [
        ['Léo Martin', 'leo.martin@etu.univ.test', 'Groupe TD 1'],
        ['Ada Lovelace', 'ada@etu.univ.test', 'Groupe TD 2'],
        ['Alan Turing', 'alan@etu.univ.test', 'Groupe TD 1'],
      ],
    );
    const tokens = await platform.tokenRequests();
    assert.ok(tokens.length >= 2 && tokens.every((r) => r.ok), JSON.stringify(tokens));
    // The grant is used up; administrators can do the same from the API.
    assertRefused(await b.app.inject({ method: 'POST', url: '/lti/breakouts', headers: FORM, payload: new URLSearchParams({ grant }).toString() }));
    const api = await b.app.inject({ method: 'POST', url: `/api/admin/lti/meetings/${meetingId}/breakouts-from-groups`, headers: b.admin });
    assert.equal(api.statusCode, 200, api.body);
    assert.deepEqual(api.json(), { rooms: 2, people: 3 });
    // People keep their personal links when the plan is made again.
    assert.deepEqual((await b.storage.breakouts.get(meetingId)).assignments.map((a) => a.token), plan.assignments.map((a) => a.token));
  });

  it('learners get no breakout grant', async (t) => {
    const b = await bed(t);
    (await joinOf(b, (await launch(b.app, { user: TEACHER })).res));
    const { res } = await launch(b.app, { user: STUDENT, documentTarget: 'iframe' });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /name="grant"/);
  });
});

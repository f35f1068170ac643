// Single sign-on against a real CAS 3.0 server (LemonLDAP::NG's portal from Debian, in a child
// process, tests/fixtures/casServer.ts): Amphi's app gets requests by inject() and validates
// tickets over HTTP at the portal; the "browser" here is fetch() with a cookie jar, submitting the
// portal's login form and stopping at the redirect back to Amphi.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { SsoProvidersResponse } from '@amphi/protocol';
import { CAS_ACCOUNTS, OTHER_SERVICE, startCasServer, type CasAccount, type TestCasServer } from '../../../../tests/fixtures/casServer.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import type { SsoSettings } from '../auth/sso/SsoSettings.ts';
import { PUBLIC_URL } from './testing/httpHarness.ts';
import { assertRefused, callback, CookieJar, cookieValue, me, signInThrough, ssoApp, ssoSettingsFor, startBoundSignIn } from './testing/ssoHarness.ts';

const CALLBACK = `${PUBLIC_URL}/auth/sso/cas/callback`;
let cas: TestCasServer;

before(async () => {
  cas = await startCasServer({ services: [CALLBACK] });
});
after(async () => {
  await cas?.close();
});

function ssoSettings(serverUrl = cas.serverUrl): SsoSettings {
  return ssoSettingsFor({ id: 'cas', label: 'Université (CAS)', type: 'cas', serverUrl, attributes: {} });
}

/** A fresh app with single sign-on on a fresh database, torn down when the test ends. */
function setup(t: TestContext, settings = ssoSettings()) {
  return ssoApp(t, settings);
}

/**
 * Plays the browser at the CAS portal: opens `loginUrl`, fills in the login form (hidden fields
 * included: the portal's CSRF token) and returns where the portal sends the browser back to.
 */
async function atPortal(loginUrl: string, login: CasAccount): Promise<string> {
  const jar = new CookieJar();
  const page = await fetch(loginUrl, { redirect: 'manual' });
  jar.store(page);
  const html = await page.text();
  assert.equal(page.status, 200, `portal login page: ${html.slice(0, 300)}`);
  assert.match(html, /<form[^>]*id="lform"[^>]*method="post"/, 'the portal shows its login form');
  const form = new URLSearchParams();
  for (const [input] of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input)?.[1];
    if (name) form.set(name, /value="([^"]*)"/.exec(input)?.[1] ?? '');
  }
  form.set('user', login);
  form.set('password', login);
  const res = await fetch(loginUrl, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() }, body: form.toString() });
  const location = res.headers.get('location');
  assert.ok(res.status === 302 && location, `the portal redirects back after login (HTTP ${res.status})`);
  return new URL(location, loginUrl).toString();
}

/** Starts a sign-in at Amphi: the portal's URL and the browser's binding cookie. */
async function startSignIn(app: FastifyInstance, next?: string): Promise<{ loginUrl: string; binding: string }> {
  const { location, binding } = await startBoundSignIn(app, 'cas', next);
  return { loginUrl: location, binding };
}

function signInAs(app: FastifyInstance, account: CasAccount, next?: string) {
  return signInThrough(app, 'cas', (loginUrl) => atPortal(loginUrl, account), next);
}

/** The callback URL for `state` carrying `ticket`, as a CAS server would build it. */
function withTicket(loginUrl: string, ticket: string): string {
  const service = new URL(new URL(loginUrl).searchParams.get('service')!);
  service.searchParams.set('ticket', ticket);
  return service.toString();
}

describe('CAS sign-in: GET /auth/sso/:provider/login', () => {
  it('lists the CAS server on the sign-in page', async (t) => {
    const { app } = await setup(t);
    const res = await app.inject({ method: 'GET', url: '/api/auth/providers' });
    assert.deepEqual(SsoProvidersResponse.parse(res.json()), { providers: [{ id: 'cas', label: 'Université (CAS)' }] });
  });

  it('sends the browser to <serverUrl>/login with the callback, bound to this attempt, as service', async (t) => {
    const { app } = await setup(t);
    const { loginUrl } = await startSignIn(app);
    const u = new URL(loginUrl);
    assert.equal(`${u.origin}${u.pathname}`, `${cas.serverUrl}/login`);
    const service = new URL(u.searchParams.get('service')!);
    assert.equal(`${service.origin}${service.pathname}`, CALLBACK);
    assert.ok((service.searchParams.get('state') ?? '').length >= 32);
  });
});

describe('the whole sign-in against LemonLDAP::NG (CAS 3.0)', () => {
  it('signs a staff member in: account without password, staff, session, back to next', async (t) => {
    const { app, storage } = await setup(t);
    const { res, callbackUrl } = await signInAs(app, 'dwho', '/m/abc-defg-hij?x=1');
    assert.match(new URL(callbackUrl).searchParams.get('ticket') ?? '', /^ST-/);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/m/abc-defg-hij?x=1');
    const user = await me(app, res);
    assert.equal(user.email, CAS_ACCOUNTS.dwho.email);
    assert.equal(user.name, CAS_ACCOUNTS.dwho.name);
    assert.equal(user.isStaff, true);
    assert.equal(user.isAdmin, false);
    const stored = await storage.users.byEmail(CAS_ACCOUNTS.dwho.email);
    assert.equal(stored?.passwordHash, null, 'SSO accounts have no password');
    assert.equal(await storage.identities.userIdOf('cas', 'dwho'), stored?.id, 'the CAS user is the subject');
  });

  it('signs a student in as not staff', async (t) => {
    const { app } = await setup(t);
    const { res } = await signInAs(app, 'rtyler');
    assert.equal(res.headers.location, '/');
    const user = await me(app, res);
    assert.equal(user.email, CAS_ACCOUNTS.rtyler.email);
    assert.equal(user.name, 'Rose Tyler');
    assert.equal(user.isStaff, false);
  });

  it('reuses the same account at the second sign-in and refreshes the role', async (t) => {
    const { app, storage } = await setup(t);
    const first = await me(app, (await signInAs(app, 'rtyler')).res);
    await storage.users.setStaff(first.id, true);
    const second = await me(app, (await signInAs(app, 'rtyler')).res);
    assert.equal(second.id, first.id);
    assert.equal(second.isStaff, false, 'the affiliation from CAS wins at each sign-in');
    assert.equal(await storage.users.count(), 1);
  });

  it('refuses a ticket used twice: the same answer again, and the ticket brought to a new attempt', async (t) => {
    const { app } = await setup(t);
    const { res, callbackUrl, binding } = await signInAs(app, 'dwho');
    assert.ok(cookieValue(res, SESSION_COOKIE));
    assertRefused(await callback(app, callbackUrl, binding), 'auth.sso_state');
    const ticket = new URL(callbackUrl).searchParams.get('ticket')!;
    const again = await startSignIn(app);
    assertRefused(await callback(app, withTicket(again.loginUrl, ticket), again.binding), 'auth.sso_token');
  });

  it('refuses a made-up ticket (the server says INVALID_TICKET)', async (t) => {
    const { app, storage } = await setup(t);
    const { loginUrl, binding } = await startSignIn(app);
    assertRefused(await callback(app, withTicket(loginUrl, 'ST-0123456789abcdef0123456789abcdef'), binding), 'auth.sso_token');
    assert.equal(await storage.users.count(), 0);
  });

  it('refuses a ticket that is not a service ticket, and a callback without one', async (t) => {
    const { app } = await setup(t);
    const first = await startSignIn(app);
    assertRefused(await callback(app, withTicket(first.loginUrl, 'PGT-not-a-service-ticket'), first.binding), 'auth.sso_token');
    const second = await startSignIn(app);
    assertRefused(await callback(app, new URL(second.loginUrl).searchParams.get('service')!, second.binding), 'auth.sso_token');
  });

  it('refuses a ticket the server issued for another service', async (t) => {
    const { app } = await setup(t);
    const otherLogin = new URL(`${cas.serverUrl}/login`);
    otherLogin.searchParams.set('service', OTHER_SERVICE);
    const back = new URL(await atPortal(otherLogin.toString(), 'dwho'));
    assert.equal(`${back.origin}${back.pathname}`, OTHER_SERVICE);
    const ticket = back.searchParams.get('ticket')!;
    assert.match(ticket, /^ST-/);
    const { loginUrl, binding } = await startSignIn(app);
    assertRefused(await callback(app, withTicket(loginUrl, ticket), binding), 'auth.sso_token');
  });

  it('refuses a ticket brought to another browser (no binding), and the attempt is then used up', async (t) => {
    const { app } = await setup(t);
    const { loginUrl, binding } = await startSignIn(app);
    const callbackUrl = await atPortal(loginUrl, 'dwho');
    assertRefused(await callback(app, callbackUrl, undefined), 'auth.sso_state');
    assertRefused(await callback(app, callbackUrl, binding), 'auth.sso_state');
  });

  it('says so when the CAS server cannot be reached', async (t) => {
    const { app } = await setup(t, ssoSettings('http://127.0.0.1:9/cas'));
    const { loginUrl, binding } = await startSignIn(app);
    assertRefused(await callback(app, withTicket(loginUrl, 'ST-0123456789abcdef0123456789abcdef'), binding), 'auth.sso_unavailable');
  });
});

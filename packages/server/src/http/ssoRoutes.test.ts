// Single sign-on against a real OpenID Connect provider (oidc-provider, in a child process,
// tests/fixtures/oidcProvider.ts): Amphi's app gets requests by inject(), and talks HTTP to the
// provider for discovery, the code exchange, JWKS and userinfo; the "browser" here is fetch()
// with a cookie jar, following redirects by hand and submitting the provider's login form.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { SsoProvidersResponse } from '@amphi/protocol';
import { startOidcProvider, type TestAccount, type TestIdp } from '../../../../tests/fixtures/oidcProvider.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import { verifyIdToken } from '../auth/sso/idToken.ts';
import type { OidcProviderSettings, SsoSettings } from '../auth/sso/SsoSettings.ts';
import { AppError } from '../errors.ts';
import { safeNext } from './ssoRoutes.ts';
import { PUBLIC_URL } from './testing/httpHarness.ts';
import { assertRefused, browse, callback, cookieValue, formPost, me, setCookies, signInThrough, ssoApp, ssoSettingsFor, startBoundSignIn } from './testing/ssoHarness.ts';

const CALLBACK = `${PUBLIC_URL}/auth/sso/univ/callback`;
let idp: TestIdp;

before(async () => {
  idp = await startOidcProvider({ redirectUris: [CALLBACK] });
});
after(async () => {
  await idp?.close();
});

function ssoSettings(overrides: Partial<OidcProviderSettings> = {}): SsoSettings {
  return ssoSettingsFor({ id: 'univ', label: 'Université (OIDC)', type: 'oidc', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'profile', 'email'], ...overrides });
}

/** A fresh app with single sign-on on a fresh database, torn down when the test ends. */
function setup(t: TestContext, settings = ssoSettings()) {
  return ssoApp(t, settings);
}

/**
 * Plays the browser at the provider: from its authorization URL to the redirect back to Amphi,
 * signing in as `account` on its login page (or pressing Cancel). Returns Amphi's callback URL.
 */
function atProvider(authorizeUrl: string, action: { login: TestAccount } | 'cancel'): Promise<string> {
  return browse<string>(authorizeUrl, 'the provider', {
    leaving: (url) => (url.startsWith(PUBLIC_URL) ? url : undefined),
    onPage: ({ url, status, html }) => {
      assert.equal(status, 200, `provider page ${url}`);
      if (action === 'cancel') {
        const abort = /href="([^"]+)">\[ Cancel \]/.exec(html);
        assert.ok(abort, 'the provider page has a Cancel link');
        return { url: new URL(abort[1]!.replaceAll('&amp;', '&'), url).toString() };
      }
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(html);
      assert.ok(form, `the provider shows its login form: ${html.slice(0, 300)}`);
      assert.match(html, /name="login"/);
      return { url: new URL(form[1]!.replaceAll('&amp;', '&'), url).toString(), init: formPost(new URLSearchParams({ prompt: 'login', login: action.login, password: 'any password' })) };
    },
  });
}

/** Starts a sign-in at Amphi: the provider's URL and the browser's binding cookie. */
async function startSignIn(app: FastifyInstance, next?: string): Promise<{ authorizeUrl: string; binding: string }> {
  const { location, binding } = await startBoundSignIn(app, 'univ', next);
  return { authorizeUrl: location, binding };
}

/** The whole sign-in as `account`; returns the callback's answer. */
function signInAs(app: FastifyInstance, account: TestAccount, next?: string) {
  return signInThrough(app, 'univ', (authorizeUrl) => atProvider(authorizeUrl, { login: account }), next);
}

describe('GET /api/auth/providers', () => {
  it('lists the configured providers for the sign-in page', async (t) => {
    const { app } = await setup(t);
    const res = await app.inject({ method: 'GET', url: '/api/auth/providers' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(SsoProvidersResponse.parse(res.json()), { providers: [{ id: 'univ', label: 'Université (OIDC)' }] });
  });
});

describe('GET /auth/sso/:provider/login', () => {
  it('sends the browser to the provider with PKCE (S256), state and nonce', async (t) => {
    const { app } = await setup(t);
    const { authorizeUrl } = await startSignIn(app);
    const u = new URL(authorizeUrl);
    assert.equal(u.origin, idp.issuer);
    assert.equal(u.searchParams.get('response_type'), 'code');
    assert.equal(u.searchParams.get('client_id'), idp.clientId);
    assert.equal(u.searchParams.get('redirect_uri'), CALLBACK);
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.match(u.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((u.searchParams.get('state') ?? '').length >= 32);
    assert.ok((u.searchParams.get('nonce') ?? '').length >= 32);
  });

  it('answers an unknown provider on the sign-in page', async (t) => {
    const { app } = await setup(t);
    const res = await app.inject({ method: 'GET', url: '/auth/sso/nope/login' });
    assertRefused(res, 'http.not_found');
  });

  it('limits sign-in attempts per address', async (t) => {
    const { app } = await setup(t);
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 31; i++) last = await app.inject({ method: 'GET', url: '/auth/sso/univ/login' });
    assertRefused(last!, 'http.rate_limited');
  });
});

describe('the whole sign-in against oidc-provider', () => {
  it('signs a staff member in: account made without password, staff, session like a local sign-in, back to next', async (t) => {
    const { app, storage } = await setup(t);
    const { res } = await signInAs(app, 'marie', '/m/abc-defg-hij?x=1');
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/m/abc-defg-hij?x=1');
    const session = setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /SameSite=Lax/);
    assert.match(session, /Path=\//);
    const user = await me(app, res);
    assert.equal(user.email, 'marie.curie@univ.test');
    assert.equal(user.name, 'Marie Curie');
    assert.equal(user.isStaff, true);
    assert.equal(user.isAdmin, false);
    const stored = await storage.users.byEmail('marie.curie@univ.test');
    assert.equal(stored?.passwordHash, null, 'SSO accounts have no password');
    assert.equal(await storage.identities.userIdOf('univ', 'marie'), stored?.id);
  });

  it('signs a student in as not staff (name from given_name + family_name)', async (t) => {
    const { app } = await setup(t);
    const { res } = await signInAs(app, 'leo');
    assert.equal(res.headers.location, '/');
    const user = await me(app, res);
    assert.equal(user.name, 'Léo Martin');
    assert.equal(user.email, 'leo.martin@etu.univ.test');
    assert.equal(user.isStaff, false);
  });

  it('reuses the same account at the second sign-in and refreshes the role', async (t) => {
    const { app, storage } = await setup(t);
    const first = await me(app, (await signInAs(app, 'leo')).res);
    // Made staff by hand in between: the provider's affiliation wins at the next sign-in.
    await storage.users.setStaff(first.id, true);
    const second = await me(app, (await signInAs(app, 'leo')).res);
    assert.equal(second.id, first.id);
    assert.equal(second.isStaff, false);
    assert.equal(await storage.users.count(), 1);
  });

  it('links to an existing account with the same email', async (t) => {
    const { app, storage } = await setup(t);
    const existing = await storage.users.create({ email: 'marie.curie@univ.test', name: 'M. Curie', passwordHash: null, isAdmin: false });
    const user = await me(app, (await signInAs(app, 'marie')).res);
    assert.equal(user.id, existing.id);
    assert.equal(user.name, 'Marie Curie');
    assert.equal(user.isStaff, true);
  });

  it('refuses the same answer twice (state replayed)', async (t) => {
    const { app } = await setup(t);
    const { res, callbackUrl, binding } = await signInAs(app, 'marie');
    assert.equal(res.statusCode, 303);
    assert.ok(cookieValue(res, SESSION_COOKIE));
    assertRefused(await callback(app, callbackUrl, binding), 'auth.sso_state');
  });

  it('refuses a state it did not issue', async (t) => {
    const { app } = await setup(t);
    const { authorizeUrl, binding } = await startSignIn(app);
    const callbackUrl = new URL(await atProvider(authorizeUrl, { login: 'marie' }));
    callbackUrl.searchParams.set('state', 'forged-state-forged-state-forged-state');
    assertRefused(await callback(app, callbackUrl.toString(), binding), 'auth.sso_state');
  });

  it('refuses an answer brought to another browser (no binding cookie), and the state is then used up', async (t) => {
    const { app } = await setup(t);
    const { authorizeUrl, binding } = await startSignIn(app);
    const callbackUrl = await atProvider(authorizeUrl, { login: 'marie' });
    assertRefused(await callback(app, callbackUrl, undefined), 'auth.sso_state');
    assertRefused(await callback(app, callbackUrl, binding), 'auth.sso_state');
  });

  it('reports a sign-in cancelled at the provider', async (t) => {
    const { app, storage } = await setup(t);
    const { authorizeUrl, binding } = await startSignIn(app);
    const callbackUrl = await atProvider(authorizeUrl, 'cancel');
    assert.equal(new URL(callbackUrl).searchParams.get('error'), 'access_denied');
    assertRefused(await callback(app, callbackUrl, binding), 'auth.sso_denied');
    assert.equal(await storage.users.count(), 0);
  });

  it('refuses a code it cannot redeem (tampered code)', async (t) => {
    const { app } = await setup(t);
    const { authorizeUrl, binding } = await startSignIn(app);
    const callbackUrl = new URL(await atProvider(authorizeUrl, { login: 'marie' }));
    callbackUrl.searchParams.set('code', `${callbackUrl.searchParams.get('code')}x`);
    assertRefused(await callback(app, callbackUrl.toString(), binding), 'auth.sso_token');
  });

  it('refuses when the client secret is wrong', async (t) => {
    const { app } = await setup(t, ssoSettings({ clientSecret: 'not-the-secret' }));
    const { res } = await signInAs(app, 'marie');
    assertRefused(res, 'auth.sso_token');
  });

  it('ignores a next that points to another site', async (t) => {
    const { app } = await setup(t);
    for (const next of ['https://evil.example/phish', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const { res } = await signInAs(app, 'marie', next);
      assert.equal(res.headers.location, '/', next);
    }
  });

  it('says so when the provider cannot be reached', async (t) => {
    const { app } = await setup(t, ssoSettings({ issuer: 'http://127.0.0.1:9' }));
    assertRefused(await app.inject({ method: 'GET', url: '/auth/sso/univ/login' }), 'auth.sso_unavailable');
  });
});

describe('safeNext', () => {
  const base = new URL(PUBLIC_URL);
  it('keeps paths on Amphi and drops everything else', () => {
    assert.equal(safeNext('/m/abc?x=1#y', base), '/m/abc?x=1#y');
    assert.equal(safeNext(undefined, base), '/');
    assert.equal(safeNext('http://amphi.test/m/abc', base), '/');
    assert.equal(safeNext('//evil.example', base), '/');
    assert.equal(safeNext('/\\evil.example', base), '/');
    assert.equal(safeNext('/%0d%0aSet-Cookie:x', base), '/%0d%0aSet-Cookie:x');
    assert.equal(safeNext('/a\nb', base), '/');
  });
});

describe('verifyIdToken', () => {
  const ISSUER = 'https://idp.univ.test';
  const CLIENT = 'amphi';
  const NONCE = 'the-nonce-of-this-attempt';
  let providerKey: CryptoKey;
  let otherKey: CryptoKey;
  let keys: ReturnType<typeof createLocalJWKSet>;

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    providerKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    keys = createLocalJWKSet({ keys: [jwk] });
  });

  function token(claims: Record<string, unknown> = {}, key: CryptoKey = providerKey, exp: string | number = '5m') {
    return new SignJWT({ nonce: NONCE, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(CLIENT)
      .setSubject('marie')
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);
  }

  async function refused(jwt: string): Promise<string> {
    const err = await verifyIdToken(jwt, { keys, issuer: ISSUER, clientId: CLIENT, nonce: NONCE }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof AppError, `refused: ${String(err)}`);
    assert.equal(err.code, 'auth.sso_token');
    return err.message;
  }

  it('accepts a token signed by the provider for this client and attempt', async () => {
    const identity = await verifyIdToken(await token({ email: 'm@univ.test' }), { keys, issuer: ISSUER, clientId: CLIENT, nonce: NONCE });
    assert.equal(identity.subject, 'marie');
    assert.equal(identity.claims.email, 'm@univ.test');
  });

  it('refuses a token signed by another key', async () => {
    assert.match(await refused(await token({}, otherKey)), /signature/);
  });

  it('refuses a token with a wrong nonce', async () => {
    assert.match(await refused(await token({ nonce: 'another-attempt' })), /nonce/);
  });

  it('refuses a token without a nonce', async () => {
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(CLIENT).setSubject('marie').setIssuedAt().setExpirationTime('5m').sign(providerKey);
    await refused(jwt);
  });

  it('refuses a token for another client (aud)', async () => {
    const jwt = await new SignJWT({ nonce: NONCE }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience('someone-else').setSubject('marie').setIssuedAt().setExpirationTime('5m').sign(providerKey);
    assert.match(await refused(jwt), /aud/);
  });

  it('refuses a token with several audiences whose azp is not Amphi', async () => {
    const jwt = await new SignJWT({ nonce: NONCE, azp: 'someone-else' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience([CLIENT, 'someone-else']).setSubject('marie').setIssuedAt().setExpirationTime('5m').sign(providerKey);
    assert.match(await refused(jwt), /azp/);
  });

  it('refuses a token from another issuer', async () => {
    const jwt = await new SignJWT({ nonce: NONCE }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://evil.example').setAudience(CLIENT).setSubject('marie').setIssuedAt().setExpirationTime('5m').sign(providerKey);
    assert.match(await refused(jwt), /iss/);
  });

  it('refuses an expired token', async () => {
    assert.match(await refused(await token({}, providerKey, Math.floor(Date.now() / 1000) - 3600)), /expired/);
  });

  it('refuses a tampered payload', async () => {
    const [h, p, s] = (await token()).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    payload.sub = 'admin';
    await refused(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    await refused(`${enc({ alg: 'none' })}.${enc({ iss: ISSUER, aud: CLIENT, sub: 'marie', nonce: NONCE, iat: now, exp: now + 300 })}.`);
  });
});

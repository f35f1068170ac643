// What the single sign-on route tests share, whatever the protocol (OIDC, SAML, CAS): an app with
// an SSO file, Amphi's cookies read from inject() answers, the "browser" at the identity provider
// (fetch() with a cookie jar, following redirects by hand), and the checks on the way back.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { UserView } from '@amphi/protocol';
import { SESSION_COOKIE } from '../../auth/SessionService.ts';
import { SsoSignIn } from '../../auth/sso/SsoSignIn.ts';
import type { ProviderSettings, RoleMapping, SsoSettings } from '../../auth/sso/SsoSettings.ts';
import type { Storage } from '../../storage/Storage.ts';
import { SSO_BINDING_COOKIE } from '../ssoRoutes.ts';
import { freshApp, PUBLIC_URL } from './httpHarness.ts';

/** The roles every test SSO file maps from eduPersonAffiliation. */
export const SSO_ROLES: RoleMapping = { attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] };

/** An SSO file listing `provider` alone. */
export function ssoSettingsFor(provider: ProviderSettings): SsoSettings {
  return { providers: [provider], roles: SSO_ROLES };
}

/**
 * A fresh app with single sign-on on a fresh database, torn down when the test ends. `dataDir` is
 * where SAML keeps its SP key pair.
 */
export async function ssoApp(t: TestContext, settings: SsoSettings, dataDir?: string): Promise<{ app: FastifyInstance; storage: Storage }> {
  const { app, storage } = await freshApp(t, { sso: (s) => new SsoSignIn(settings, new URL(PUBLIC_URL), { users: s.users, identities: s.identities, dataDir }) });
  return { app, storage };
}

// --- Amphi's answers -------------------------------------------------------------------------

/** The Set-Cookie lines of an Amphi response. */
export function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

/** The live (non-expired, non-empty) value of a cookie set by an Amphi response. */
export function cookieValue(res: LightMyRequestResponse, name: string): string | undefined {
  const line = setCookies(res).find((c) => c.startsWith(`${name}=`));
  if (!line || /Expires=Thu, 01 Jan 1970/.test(line)) return undefined;
  const value = line.split(';')[0]!.slice(name.length + 1);
  return value === '' ? undefined : value;
}

/** Amphi's own URL as an inject() path. */
function amphiPath(url: string): string {
  const u = new URL(url);
  assert.equal(u.origin, PUBLIC_URL, `expected a redirect to Amphi, got ${url}`);
  return u.pathname + u.search;
}

/** GET /auth/sso/:provider/login (with `next`): Amphi's 303 to the provider. */
export async function startSignIn(app: FastifyInstance, provider: string, next?: string): Promise<{ res: LightMyRequestResponse; location: string }> {
  const res = await app.inject({ method: 'GET', url: `/auth/sso/${provider}/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}` });
  assert.equal(res.statusCode, 303, res.body);
  return { res, location: String(res.headers.location) };
}

/**
 * Starts a sign-in that comes back by the browser's GET (OIDC, CAS): the provider's URL and the
 * browser's binding cookie, which must be HttpOnly and SameSite=Lax.
 */
export async function startBoundSignIn(app: FastifyInstance, provider: string, next?: string): Promise<{ location: string; binding: string }> {
  const { res, location } = await startSignIn(app, provider, next);
  const binding = cookieValue(res, SSO_BINDING_COOKIE);
  assert.ok(binding, 'the sign-in binds itself to this browser with a cookie');
  const line = setCookies(res).find((c) => c.startsWith(`${SSO_BINDING_COOKIE}=`))!;
  assert.match(line, /HttpOnly/);
  assert.match(line, /SameSite=Lax/);
  return { location, binding };
}

/** The browser's GET of Amphi's callback URL, with the binding cookie or without. */
export function callback(app: FastifyInstance, callbackUrl: string, binding: string | undefined): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: amphiPath(callbackUrl), headers: binding ? { cookie: `${SSO_BINDING_COOKIE}=${binding}` } : {} });
}

/**
 * The whole sign-in that comes back by GET: starts it at Amphi, lets `atProvider` play the browser
 * from the provider's URL to the callback URL, and brings that to Amphi.
 */
export async function signInThrough(app: FastifyInstance, provider: string, atProvider: (providerUrl: string) => Promise<string>, next?: string) {
  const { location, binding } = await startBoundSignIn(app, provider, next);
  const callbackUrl = await atProvider(location);
  return { res: await callback(app, callbackUrl, binding), callbackUrl, binding };
}

const MeResponse = z.object({ user: UserView });

/** The user that the session set by `res` belongs to, as GET /api/me says. */
export async function me(app: FastifyInstance, res: LightMyRequestResponse) {
  const token = cookieValue(res, SESSION_COOKIE);
  assert.ok(token, `a session cookie is set (${res.statusCode} ${String(res.headers.location)})`);
  const meRes = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  assert.equal(meRes.statusCode, 200, meRes.body);
  return MeResponse.parse(meRes.json()).user;
}

/**
 * A refused sign-in lands on the sign-in page with the code, and makes no session: no session
 * cookie with a value, not even an expired one.
 */
export function assertRefused(res: LightMyRequestResponse, code: string): void {
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, `/?ssoError=${code}`);
  const session = setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  assert.equal(session?.split(';')[0]!.slice(SESSION_COOKIE.length + 1) || undefined, undefined, 'no session is created');
}

// --- the browser at the identity provider ----------------------------------------------------

/** The browser's cookies for the identity provider (one host, so paths are not needed here). */
export class CookieJar {
  readonly #cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const idx = pair!.indexOf('=');
      const name = pair!.slice(0, idx).trim();
      const value = pair!.slice(idx + 1).trim();
      // PHP deletes a cookie with the value "deleted" and an expiry written with dashes.
      if (value === '' || value === 'deleted' || /expires=thu, 01[ -]jan[ -]1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** A page the provider answered with (not a redirect). */
export interface ProviderPage {
  url: string;
  status: number;
  html: string;
}

/** What to do after a page: stop with a result, or send the next request (a form post, a link). */
export type PageAction<T> = { done: T } | { url: string; init?: RequestInit };

/**
 * Plays the browser at an identity provider from `startUrl`: fetch() with a cookie jar, following
 * redirects by hand. `leaving` sees each redirect and may end the walk with a result (the way back
 * to Amphi); `onPage` sees each page and says what the browser does next.
 */
export async function browse<T>(startUrl: string, what: string, steps: { leaving?: (url: string) => T | undefined; onPage: (page: ProviderPage) => PageAction<T> }): Promise<T> {
  const jar = new CookieJar();
  let url = startUrl;
  let init: RequestInit = {};
  for (let hops = 0; hops < 20; hops++) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie: jar.header() } });
    jar.store(res);
    init = {};
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      const left = steps.leaving?.(url);
      if (left !== undefined) return left;
      continue;
    }
    const action = steps.onPage({ url, status: res.status, html: await res.text() });
    if ('done' in action) return action.done;
    url = action.url;
    init = action.init ?? {};
  }
  throw new Error(`too many redirects at ${what}`);
}

/** A form post as the browser sends it. */
export function formPost(fields: URLSearchParams): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() };
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { isErrorCode, type SsoProvidersResponse } from '@amphi/protocol';
import { AppError, toAppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import { RateLimiter } from '../RateLimiter.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import type { SignInPolicy, SsoSignIn } from '../auth/sso/SsoSignIn.ts';
import { readCookie, sessionCookie } from './cookies.ts';
import { noStore, type HttpContext } from './context.ts';
import { samlRoutes } from './samlRoutes.ts';

/** Binds a sign-in attempt to the browser that started it; only sent back to /auth/sso/. */
export const SSO_BINDING_COOKIE = 'amphi_sso';
const BINDING_PATH = '/auth/sso/';
const BINDING_TTL_MS = 10 * 60_000;

/**
 * Where to go after signing in: a path on Amphi itself, never another site (an open redirect
 * would let a phishing link borrow Amphi's sign-in). Anything else becomes "/".
 */
export function safeNext(raw: unknown, publicUrl: URL): string {
  if (typeof raw !== 'string' || raw.length > 2000 || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, publicUrl);
  } catch {
    return '/';
  }
  if (url.origin !== publicUrl.origin) return '/';
  return url.pathname + url.search + url.hash;
}

function param(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined;
  const value = (query as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length <= 4096 ? value : undefined;
}

/**
 * Single sign-on: GET /api/auth/providers (for the sign-in page), and the two browser
 * navigations of a sign-in, GET /auth/sso/:provider/login and /callback. These answer with
 * redirects, never JSON: a failure lands on the sign-in page as `/?ssoError=<code>`, which
 * says what went wrong, and no session is made.
 */
export function ssoRoutes(app: FastifyInstance, ctx: HttpContext & { sso: SsoSignIn | undefined; policy: SignInPolicy; log: Logger }): void {
  const perIpStart = new RateLimiter(30, 60_000);
  const perIpCallback = new RateLimiter(30, 60_000);
  const bindingCookie = (value: string, expires: Date) => sessionCookie(SSO_BINDING_COOKIE, value, { secure: ctx.secureCookies, expires, path: BINDING_PATH });

  const fail = (reply: FastifyReply, err: unknown) => {
    const appError = toAppError(err);
    if (appError.code === 'internal' || appError.code === 'auth.sso_unavailable') ctx.log.error('single sign-on failed', { code: appError.code, err: String(appError.cause ?? appError.message) });
    else ctx.log.info('single sign-on refused', { code: appError.code, reason: appError.message });
    const code = isErrorCode(appError.code) ? appError.code : 'internal';
    return reply.redirect(`/?ssoError=${encodeURIComponent(code)}`, 303);
  };

  app.get('/api/auth/providers', async (_req, reply): Promise<SsoProvidersResponse> => {
    noStore(reply);
    return { providers: ctx.sso?.providers() ?? [] };
  });

  app.get<{ Params: { provider: string } }>('/auth/sso/:provider/login', async (req, reply) => {
    noStore(reply);
    try {
      if (!perIpStart.hit(req.ip)) throw new AppError('http.rate_limited', 'too many sign-in attempts; try again in a minute');
      if (!ctx.sso?.has(req.params.provider)) throw new AppError('http.not_found', 'no such sign-in provider');
      const next = safeNext(param(req.query, 'next'), ctx.publicUrl);
      const { redirect, binding } = ctx.sso.protocolOf(req.params.provider) === 'saml' ? await ctx.sso.startSaml(req.params.provider, next) : await ctx.sso.start(req.params.provider, next);
      reply.header('set-cookie', bindingCookie(binding, new Date(Date.now() + BINDING_TTL_MS)));
      return reply.redirect(redirect.toString(), 303);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get<{ Params: { provider: string } }>('/auth/sso/:provider/callback', async (req, reply) => {
    noStore(reply);
    // Whatever happens, the attempt is over: the browser forgets its binding.
    reply.header('set-cookie', bindingCookie('', new Date(0)));
    try {
      if (!perIpCallback.hit(req.ip)) throw new AppError('http.rate_limited', 'too many sign-in attempts; try again in a minute');
      if (!ctx.sso?.has(req.params.provider)) throw new AppError('http.not_found', 'no such sign-in provider');
      const params = { state: param(req.query, 'state'), code: param(req.query, 'code'), error: param(req.query, 'error'), ticket: param(req.query, 'ticket') };
      const { user, next } = await ctx.sso.finish(req.params.provider, params, readCookie(req.headers.cookie, SSO_BINDING_COOKIE), ctx.policy);
      // The same session as a local sign-in.
      const session = await ctx.sessions.create(user.id);
      reply.header('set-cookie', [bindingCookie('', new Date(0)), sessionCookie(SESSION_COOKIE, session.token, { secure: ctx.secureCookies, expires: session.expiresAt })]);
      return reply.redirect(next, 303);
    } catch (err) {
      return fail(reply, err);
    }
  });

  samlRoutes(app, { ...ctx, fail, bindingCookie, bindingOf: (req) => readCookie(req.headers.cookie, SSO_BINDING_COOKIE) });
}

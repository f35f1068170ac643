import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { RateLimiter } from '../RateLimiter.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import type { SignInPolicy, SsoSignIn } from '../auth/sso/SsoSignIn.ts';
import { sessionCookie } from './cookies.ts';
import { noStore, type HttpContext } from './context.ts';

/** A SAMLResponse is a few kB; federations' signed ones with many attributes stay well under this. */
const ACS_BODY_LIMIT = 256 * 1024;

/**
 * SAML 2.0 service provider endpoints (the sign-in starts at the shared /auth/sso/:provider/login):
 *   GET  /auth/sso/:provider/metadata  the SP metadata to give the IdP or the federation
 *   POST /auth/sso/:provider/acs       the IdP's answer, a form POSTed cross-site by the browser
 *   GET  /auth/sso/:provider/acs/done  where the ACS sends the browser: signed in if it started it
 * The ACS is outside /api/, so the CSRF check (custom header, same origin) does not apply to it:
 * its protection is the signed assertion bound to a request Amphi sent (InResponseTo, used once),
 * the replay cache, and the binding cookie of the browser that started the sign-in, checked on
 * the GET it is redirected to. Failures land on the sign-in page like every SSO failure (`fail`).
 */
export function samlRoutes(
  app: FastifyInstance,
  ctx: HttpContext & { sso: SsoSignIn | undefined; policy: SignInPolicy; fail: (reply: FastifyReply, err: unknown) => unknown; bindingCookie: (value: string, expires: Date) => string; bindingOf: (req: FastifyRequest) => string | undefined },
): void {
  const perIpAcs = new RateLimiter(30, 60_000);

  // The browser that started the sign-in comes here from the ACS (a top-level GET: its Lax binding
  // cookie comes with it); another browser that was made to post someone's answer does not get in.
  app.get<{ Params: { provider: string }; Querystring: { code?: string } }>('/auth/sso/:provider/acs/done', async (req, reply) => {
    noStore(reply);
    reply.header('set-cookie', ctx.bindingCookie('', new Date(0)));
    try {
      if (!perIpAcs.hit(req.ip)) throw new AppError('http.rate_limited', 'too many sign-in attempts; try again in a minute');
      const arrived = typeof req.query.code === 'string' ? await ctx.sso?.samlArrivals.take(req.query.code, ctx.bindingOf(req)) : undefined;
      if (!arrived) throw new AppError('auth.sso_state', 'this sign-in was not started in this browser, has expired or was already used; start again');
      const session = await ctx.sessions.create(arrived.userId);
      reply.header('set-cookie', [ctx.bindingCookie('', new Date(0)), sessionCookie(SESSION_COOKIE, session.token, { secure: ctx.secureCookies, expires: session.expiresAt })]);
      return reply.redirect(arrived.next, 303);
    } catch (err) {
      return ctx.fail(reply, err);
    }
  });

  app.get<{ Params: { provider: string } }>('/auth/sso/:provider/metadata', async (req, reply) => {
    if (ctx.sso?.protocolOf(req.params.provider) !== 'saml') throw new AppError('http.not_found', 'no such SAML provider');
    reply.header('cache-control', 'public, max-age=3600');
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(ctx.sso.samlMetadata(req.params.provider));
  });

  // Its own scope, so that the form parser serves only this route.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: ACS_BODY_LIMIT }, (_req, body, done) => {
      done(null, new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8')));
    });
    scope.post<{ Params: { provider: string } }>('/auth/sso/:provider/acs', { bodyLimit: ACS_BODY_LIMIT }, async (req, reply) => {
      noStore(reply);
      try {
        if (!perIpAcs.hit(req.ip)) throw new AppError('http.rate_limited', 'too many sign-in attempts; try again in a minute');
        if (ctx.sso?.protocolOf(req.params.provider) !== 'saml') throw new AppError('http.not_found', 'no such SAML provider');
        const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
        const { user, next, bindingHash } = await ctx.sso.finishSaml(req.params.provider, { SAMLResponse: form.get('SAMLResponse') ?? undefined, RelayState: form.get('RelayState') ?? undefined }, ctx.policy);
        const code = await ctx.sso.samlArrivals.leave({ userId: user.id, next }, bindingHash);
        return reply.redirect(`/auth/sso/${encodeURIComponent(req.params.provider)}/acs/done?code=${code}`, 303);
      } catch (err) {
        return ctx.fail(reply, err);
      }
    });
  });
}

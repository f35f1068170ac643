import type { FastifyInstance, FastifyReply } from 'fastify';
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
 * The ACS is outside /api/, so the CSRF check (custom header, same origin) does not apply to it:
 * its protection is the signed assertion bound to a request Amphi sent (InResponseTo, used once)
 * and the replay cache. Failures land on the sign-in page like every SSO failure (`fail`).
 */
export function samlRoutes(app: FastifyInstance, ctx: HttpContext & { sso: SsoSignIn | undefined; policy: SignInPolicy; fail: (reply: FastifyReply, err: unknown) => unknown }): void {
  const perIpAcs = new RateLimiter(30, 60_000);

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
        const { user, next } = await ctx.sso.finishSaml(req.params.provider, { SAMLResponse: form.get('SAMLResponse') ?? undefined, RelayState: form.get('RelayState') ?? undefined }, ctx.policy);
        const session = await ctx.sessions.create(user.id);
        reply.header('set-cookie', sessionCookie(SESSION_COOKIE, session.token, { secure: ctx.secureCookies, expires: session.expiresAt }));
        return reply.redirect(next, 303);
      } catch (err) {
        return ctx.fail(reply, err);
      }
    });
  });
}

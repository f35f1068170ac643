import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CreateLtiRegistrationRequest, type CreateLtiRegistrationRequest as RegistrationInput, type LtiRegistrationView, type LtiToolView } from '@amphi/protocol';
import { AppError, httpStatusOf, toAppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import { RateLimiter } from '../RateLimiter.ts';
import type { Licences } from '../auth/Licences.ts';
import type { CourseRoster } from '../auth/lti/CourseRoster.ts';
import { registerWithPlatform } from '../auth/lti/DynamicRegistration.ts';
import { OneUseTokens } from '../auth/lti/OneUseTokens.ts';
import type { OneTimeStore } from '../ports/OneTimeStore.ts';
import type { LoginRequest, LtiTool } from '../auth/lti/LtiTool.ts';
import type { ToolKeys } from '../auth/lti/ToolKeys.ts';
import type { BreakoutPlanRepository } from '../storage/BreakoutPlanRepository.ts';
import type { LicenceRepository } from '../storage/LicenceRepository.ts';
import type { LtiRegistration, LtiRepository } from '../storage/LtiRepository.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';
import { autoPostPage, deepLinkPickerPage, langOf, LTI_SCRIPT, LTI_STYLES, messagePage, openInWindowPage, refusedPage, registeredPage, waitingPage, type PageLang } from './ltiPages.ts';

export interface LtiRoutesDeps extends HttpContext {
  tool: LtiTool;
  keys: ToolKeys;
  roster: CourseRoster;
  lti: LtiRepository;
  breakouts: BreakoutPlanRepository;
  users: UserRepository;
  licences: Licences;
  audit: LicenceRepository;
  log: Logger;
  /** Outgoing HTTP to platforms (dynamic registration); default: fetch. */
  fetch?: typeof fetch | undefined;
  /** Where one-use registration URLs are kept (ADR 8); default: this process's memory. */
  oneTime?: OneTimeStore | undefined;
}

/** Requests per address and minute: a lecture hall behind one campus NAT launches together (two requests each). */
const LAUNCHES_PER_MINUTE = 1200;
const FORM_LIMIT = 64 * 1024;
/** A dynamic registration URL works once, within a day of being made. */
const DYNAMIC_TTL_MS = 24 * 60 * 60_000;

/**
 * Amphi as an LTI 1.3 tool (moodle.md C):
 *   GET  /lti/jwks (and /lti/jwks.json)   the tool's public keyset
 *   GET|POST /lti/login                   OIDC third-party login initiation → the platform's auth URL
 *   POST /lti/launch                      the platform's id_token (resource link or deep linking)
 *   POST /lti/deep-link                   the teacher's choice → signed LtiDeepLinkingResponse
 *   POST /lti/breakouts                   an instructor's launch page: breakout rooms from the course groups
 *   GET  /lti/register                    dynamic registration, opened by the platform with a one-use key
 * The platform posts these cross-site, so they stand outside /api/ and its CSRF check, as the SAML
 * ACS does; each is bound by its own one-use secret (state, deep-link token, grant) instead.
 * Their pages may be framed by the platform (Moodle embeds tools by default) and post only where
 * they must. Administrators register platforms under /api/admin/lti (audited).
 */
export function ltiRoutes(app: FastifyInstance, deps: LtiRoutesDeps): void {
  const limit = new RateLimiter(LAUNCHES_PER_MINUTE, 60_000);
  const url = (path: string) => new URL(path, deps.publicUrl).toString();

  const html = (reply: FastifyReply, status: number, body: string, policy: { frameAncestors: string; formAction?: string }) => {
    noStore(reply);
    // Replaces the app-wide policy (see buildHttpApp's onSend): the platform may frame these pages.
    reply.header(
      'content-security-policy',
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'${policy.formAction ? ` ${policy.formAction}` : ''}; frame-ancestors ${policy.frameAncestors}; base-uri 'none'`,
    );
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  };
  const refuse = (reply: FastifyReply, err: unknown, lang: PageLang = 'en') => {
    const e = toAppError(err);
    if (e.code === 'internal') deps.log.error('lti request failed', { err: String(err), stack: (err as Error).stack });
    else deps.log.info('lti request refused', { code: e.code, message: e.message });
    // Refusals are shown where the launch was: inside any platform's frame.
    return html(reply, httpStatusOf(e.code), refusedPage(lang, e.code, e.code === 'internal' ? 'internal error' : e.message), { frameAncestors: '*' });
  };
  const throttle = (req: FastifyRequest) => {
    if (!limit.hit(req.ip)) throw new AppError('http.rate_limited', 'too many launches from this address; try again in a minute');
  };
  const field = (form: URLSearchParams, name: string) => form.get(name) ?? undefined;

  const jwks = async (_req: FastifyRequest, reply: FastifyReply) => {
    // Moodle caches it per client and refetches on a verification failure.
    reply.header('cache-control', 'public, max-age=300');
    reply.header('access-control-allow-origin', '*');
    return deps.keys.jwks();
  };
  app.get('/lti/jwks', jwks);
  app.get('/lti/jwks.json', jwks);
  app.get('/lti/assets/lti.js', async (_req, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(LTI_SCRIPT));
  app.get('/lti/assets/lti.css', async (_req, reply) => reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(LTI_STYLES));

  const login = async (req: FastifyRequest, reply: FastifyReply, params: LoginRequest) => {
    noStore(reply);
    try {
      throttle(req);
      return reply.redirect((await deps.tool.login(params)).toString(), 302);
    } catch (err) {
      return refuse(reply, err);
    }
  };
  const loginParams = (get: (name: string) => string | undefined): LoginRequest => ({
    iss: get('iss'),
    login_hint: get('login_hint'),
    target_link_uri: get('target_link_uri'),
    lti_message_hint: get('lti_message_hint'),
    client_id: get('client_id'),
    lti_deployment_id: get('lti_deployment_id'),
  });
  app.get('/lti/login', (req, reply) => {
    const q = req.query as Record<string, unknown>;
    return login(req, reply, loginParams((n) => (typeof q[n] === 'string' ? q[n] : undefined)));
  });

  // Its own scope, so that the form parser serves only these routes.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
      done(null, new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8')));
    });
    const formOf = (req: FastifyRequest) => (req.body instanceof URLSearchParams ? req.body : new URLSearchParams());

    scope.post('/lti/login', (req, reply) => {
      const form = formOf(req);
      return login(req, reply, loginParams((n) => field(form, n)));
    });

    scope.post('/lti/launch', async (req, reply) => {
      const form = formOf(req);
      try {
        throttle(req);
        const outcome = await deps.tool.launch({ id_token: field(form, 'id_token'), state: field(form, 'state'), error: field(form, 'error'), error_description: field(form, 'error_description') });
        switch (outcome.kind) {
          case 'join':
            // A new window (Moodle's "New window" container) goes straight to the pre-join page;
            // an iframe cannot share a screen, so it gets a button that opens one.
            if (!outcome.inFrame) return reply.header('cache-control', 'no-store').redirect(outcome.joinUrl, 303);
            return html(reply, 200, openInWindowPage(langOf(outcome.locale), outcome.joinUrl, outcome.breakoutGrant), { frameAncestors: outcome.platformOrigin });
          case 'wait':
            return html(reply, 200, waitingPage(langOf(outcome.locale), outcome.title), { frameAncestors: outcome.platformOrigin });
          case 'deep-link': {
            const suggested = outcome.request.contextTitle ?? '';
            return html(reply, 200, deepLinkPickerPage(langOf(outcome.request.locale), outcome.token, suggested, outcome.meetings, outcome.request.membershipsUrl !== undefined), { frameAncestors: outcome.platformOrigin });
          }
        }
      } catch (err) {
        return refuse(reply, err);
      }
    });

    scope.post('/lti/deep-link', async (req, reply) => {
      const form = formOf(req);
      const token = field(form, 'token') ?? '';
      const lang = langOf((await deps.tool.deepLinkRequest(token))?.locale);
      try {
        throttle(req);
        const meetingId = field(form, 'meeting')?.trim();
        const choice = meetingId ? { kind: 'existing' as const, meetingId } : { kind: 'new' as const, title: field(form, 'title') ?? '' };
        const answer = await deps.tool.deepLinkResponse(token, choice);
        const services = { membershipsUrl: answer.request.membershipsUrl ?? null, groupsUrl: answer.request.groupsUrl ?? null };
        if (field(form, 'breakouts') === '1' && services.membershipsUrl) {
          // Best effort: the activity is added even when the course groups cannot be read now.
          try {
            await deps.breakouts.save(answer.meetingId, await deps.roster.breakoutPlan(answer.registration, services));
          } catch (err) {
            deps.log.warn('lti breakout rooms from groups failed', { meeting: answer.meetingId, err: String(err) });
          }
        }
        return html(reply, 200, autoPostPage(lang, answer.returnUrl, { JWT: answer.jwt }), { frameAncestors: answer.platformOrigin, formAction: new URL(answer.returnUrl).origin });
      } catch (err) {
        return refuse(reply, err, lang);
      }
    });

    scope.post('/lti/breakouts', async (req, reply) => {
      const form = formOf(req);
      const grant = await deps.tool.breakoutGrants.take(field(form, 'grant') ?? '');
      const lang = langOf(grant?.locale);
      try {
        throttle(req);
        if (!grant) throw new AppError('lti.launch_refused', 'this page has expired; open the activity again from the course');
        const plan = await breakoutsFromGroups(grant.meetingId);
        return html(reply, 200, messagePage(lang, 'breakoutsDone', { rooms: plan.rooms, people: plan.people }), { frameAncestors: '*' });
      } catch (err) {
        return refuse(reply, err, lang);
      }
    });
  });

  /** Writes the course groups into the meeting's breakout plan (people already planned keep their links). */
  const breakoutsFromGroups = async (meetingId: string): Promise<{ rooms: number; people: number }> => {
    const link = await deps.lti.linkOfMeeting(meetingId);
    const registration = link ? await deps.lti.registration(link.registrationId) : undefined;
    if (!link || !registration) throw new AppError('meeting.not_found', 'this meeting was not launched from a learning platform');
    const draft = await deps.roster.breakoutPlan(registration, link);
    // Like a plan the organiser saves on the meeting card: the meeting reads it when it opens.
    const saved = await deps.breakouts.save(meetingId, draft);
    return { rooms: saved.rooms.length, people: saved.assignments.length };
  };

  // ---- Registrations, in the admin console (administrators only, audited).

  const requireAdmin = async (req: FastifyRequest): Promise<User> => {
    const user = await requireUser(deps, req);
    if (!user.isAdmin) throw new AppError('auth.forbidden', 'administrators only');
    return user;
  };
  const toolView = (): LtiToolView => ({
    toolUrl: url('/lti/launch'),
    initiateLoginUrl: url('/lti/login'),
    redirectionUris: [url('/lti/launch')],
    publicKeysetUrl: url('/lti/jwks'),
    // The same endpoint: the launch's message type tells deep linking from a resource link.
    deepLinkingUrl: url('/lti/launch'),
  });
  const view = (r: LtiRegistration): LtiRegistrationView => ({ id: r.id, name: r.name, issuer: r.issuer, clientId: r.clientId, deploymentIds: r.deploymentIds, authUrl: r.authUrl, jwksUrl: r.jwksUrl, tokenUrl: r.tokenUrl, createdAt: r.createdAt });
  const dynamic = new OneUseTokens<User>('lti.registration-url', DYNAMIC_TTL_MS, deps.oneTime);
  const audit = (admin: User, action: string, r: LtiRegistration) => deps.audit.audit({ actor: { id: admin.id, name: admin.name }, action, target: { id: r.id, name: `${r.name} (${r.issuer})` } });

  app.get('/api/admin/lti', async (req, reply): Promise<{ tool: LtiToolView; registrations: LtiRegistrationView[] }> => {
    noStore(reply);
    await requireAdmin(req);
    return { tool: toolView(), registrations: (await deps.lti.registrations()).map(view) };
  });

  /**
   * A platform's meetings belong to a service account made for it (no password, never signs in),
   * holding a host licence within the pool, as a BBB consumer's do: its teachers host under it.
   */
  const register = async (admin: User, body: RegistrationInput, how: 'manual' | 'dynamic'): Promise<LtiRegistration> => {
    // Moodle's issuer is its wwwroot without a trailing slash; tokens must match it exactly.
    const issuer = body.issuer.replace(/\/+$/, '');
    if ((await deps.lti.registrations()).some((r) => r.issuer === issuer && r.clientId === body.clientId)) {
      throw new AppError('http.invalid_body', 'this platform and client id are already registered');
    }
    const usage = await deps.licences.usage();
    if (usage.pool > 0 && usage.used >= usage.pool) throw new AppError('licence.pool_full', `all ${usage.pool} host licences are taken; revoke one first`);
    const id = crypto.randomUUID();
    const service = await deps.users.create({ email: `lti-${id}@platforms.amphi.invalid`, name: `${body.name} (LTI)`, passwordHash: null, isAdmin: false, isStaff: true });
    await deps.licences.created(admin, service, { ltiRegistration: id });
    await deps.licences.grant(admin, service);
    const created: LtiRegistration = { id, name: body.name, issuer, clientId: body.clientId, deploymentIds: [...new Set(body.deploymentIds)], authUrl: body.authUrl, jwksUrl: body.jwksUrl, tokenUrl: body.tokenUrl, serviceUserId: service.id, createdAt: new Date().toISOString() };
    await deps.lti.createRegistration(created);
    await deps.audit.audit({ actor: { id: admin.id, name: admin.name }, action: 'lti_registration.created', target: { id: created.id, name: `${created.name} (${created.issuer})` }, details: { how } });
    return created;
  };

  app.post('/api/admin/lti/registrations', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const created = await register(admin, parseBody(CreateLtiRegistrationRequest, req.body), 'manual');
    reply.code(201);
    return { registration: view(created) };
  });

  /**
   * Dynamic registration (moodle.md C.2): an administrator makes a one-use registration URL here
   * and pastes it into the platform ("Tool URL… / Add LTI Advantage"); the platform opens it with
   * its configuration and a registration token, and Amphi registers itself there. The URL's
   * secret stands for the administrator, since the platform's window may not carry Amphi's cookie.
   */
  app.post('/api/admin/lti/registration-url', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const key = await dynamic.issue(admin);
    return { url: url(`/lti/register?key=${encodeURIComponent(key)}`), expiresInS: DYNAMIC_TTL_MS / 1000 };
  });

  app.get('/lti/register', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const str = (n: string) => (typeof q[n] === 'string' ? q[n] : '');
    try {
      throttle(req);
      const admin = await dynamic.take(str('key'));
      if (!admin) throw new AppError('lti.launch_refused', 'this registration URL is unknown, used or expired; make a new one in Amphi’s admin console');
      if (!str('openid_configuration')) throw new AppError('lti.launch_refused', 'open this URL from the platform’s tool registration (it adds openid_configuration)');
      const platform = await registerWithPlatform(str('openid_configuration'), str('registration_token'), { launchUrl: url('/lti/launch'), loginUrl: url('/lti/login'), jwksUrl: url('/lti/jwks') }, deps.fetch);
      const created = await register(admin, platform, 'dynamic');
      deps.log.info('lti platform registered dynamically', { registration: created.id, issuer: created.issuer });
      return html(reply, 200, registeredPage('en'), { frameAncestors: new URL(created.issuer).origin });
    } catch (err) {
      return refuse(reply, err);
    }
  });

  /** Removes the registration; its service account keeps its meetings but not its licence. */
  app.delete<{ Params: { id: string } }>('/api/admin/lti/registrations/:id', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const r = await deps.lti.registration(req.params.id);
    if (!r) throw new AppError('http.not_found', 'no such LTI platform');
    await deps.lti.deleteRegistration(r.id);
    const service = await deps.users.byId(r.serviceUserId);
    if (service) await deps.licences.revoke(admin, service);
    await audit(admin, 'lti_registration.deleted', r);
    return { ok: true };
  });

  /** The same as an instructor's launch page offers, for administrators. */
  app.post<{ Params: { id: string } }>('/api/admin/lti/meetings/:id/breakouts-from-groups', async (req, reply) => {
    noStore(reply);
    await requireAdmin(req);
    return breakoutsFromGroups(req.params.id);
  });
}

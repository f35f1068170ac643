import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { CSRF_HEADER, MAX_SIGNALING_MESSAGE_BYTES, type ErrorCode } from '@amphi/protocol';
import type { MeetingPolicy } from '../domain/MeetingSettings.ts';
import type { Mailer } from '../ports/Mailer.ts';
import { AppError, httpStatusOf, toAppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { SessionService } from '../auth/SessionService.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import type { Storage } from '../storage/Storage.ts';
import { UnjoinedSockets } from '../signaling/UnjoinedSockets.ts';
import { SignalingConnection } from '../signaling/SignalingConnection.ts';
import { authRoutes } from './authRoutes.ts';
import { currentUser, type HttpContext } from './context.ts';
import { meetingRoutes } from './meetingRoutes.ts';
import { breakoutRoutes } from './breakoutRoutes.ts';
import { documentRoutes } from './documentRoutes.ts';
import { adminRoutes } from './adminRoutes.ts';
import { Licences, type LicencePolicy } from '../auth/Licences.ts';
import { Policies } from '../admin/Policies.ts';
import { recordingRoutes } from './recordingRoutes.ts';
import { sharedRecordingRoutes } from './sharedRecordingRoutes.ts';
import type { DocumentConverter } from '../ports/DocumentConverter.ts';
import type { DocumentStore } from '../ports/DocumentStore.ts';
import { RateLimiter } from '../RateLimiter.ts';
import { staticRoutes, type ClientFiles } from './staticRoutes.ts';
import { bbbRoutes } from './bbbRoutes.ts';
import { BbbApi } from '../auth/bbb/BbbApi.ts';
import { removeRecordingFiles } from '../recordings/RetentionJob.ts';
import { ssoRoutes } from './ssoRoutes.ts';
import type { SsoSignIn } from '../auth/sso/SsoSignIn.ts';
import { ltiRoutes } from './ltiRoutes.ts';
import { LtiTool } from '../auth/lti/LtiTool.ts';
import { ToolKeys } from '../auth/lti/ToolKeys.ts';
import { CourseRoster } from '../auth/lti/CourseRoster.ts';
import { BROWSER_COOKIE, BrowserCredentials } from '../auth/BrowserCredentials.ts';
import type { OneTimeStore } from '../ports/OneTimeStore.ts';
import { readCookie } from './cookies.ts';

export interface HttpDeps {
  storage: Storage;
  sessions: SessionService;
  live: MeetingRegistry;
  publicUrl: URL;
  policy: MeetingPolicy;
  /** Undefined when no SMTP server is configured: invitations then answer mail.unavailable. */
  mailer?: Mailer | undefined;
  /** The built web client (loadClientFiles); without it, only the API and the integrations answer. */
  client: ClientFiles | undefined;
  log: Logger;
  /** Presenting documents; without it, uploads answer http.not_found. */
  documents?: { converter: DocumentConverter; store: DocumentStore; maxBytes: number } | undefined;
  /** The cloud recordings folder; without it, the recordings library answers http.not_found. */
  recordingsDir?: string | undefined;
  /** The deployment's policies as administrators set them (default: loaded over `policy`). */
  policies?: Policies | undefined;
  /** Host licences: pool and staff policy (default: no limit, staff get one). */
  licencePolicy?: LicencePolicy | undefined;
  /** Single sign-on providers; without it, the sign-in page offers local accounts only. */
  sso?: SsoSignIn | undefined;
  /** Outgoing HTTP of the BigBlueButton API's callbacks (tests replace it; default: fetch). */
  bbbFetch?: typeof fetch | undefined;
  /** The BigBlueButton API's clock (tests move it; default: Date.now). */
  bbbNow?: (() => number) | undefined;
  /** How often BBB sessions are checked for expiry and ready recordings (default 10 s). */
  bbbTickMs?: number | undefined;
  /** Where one-time secrets are kept (ADR 8): the same store as the registry's and the sign-in's; default: this process's memory. */
  oneTime?: OneTimeStore | undefined;
  /** Outgoing HTTP to LTI platforms: Advantage services and dynamic registration (tests may replace it; default: fetch). */
  ltiFetch?: typeof fetch | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app (method, URL pattern), HEAD left out. */
    amphiRoutes: readonly { method: string; url: string }[];
  }
}

/**
 * Frames a little above the protocol limit still arrive whole so that the client gets a typed
 * `protocol.too_large` error and keeps its connection; beyond this the socket is closed (1009),
 * so that nobody makes the server hold megabytes per socket.
 */
const WS_HARD_LIMIT_BYTES = MAX_SIGNALING_MESSAGE_BYTES + 64 * 1024;
/** Signaling connections one address may hold before joining (see UnjoinedSockets). */
export const UNJOINED_SOCKETS_PER_ADDRESS = 50;

/** Builds the HTTP + WebSocket application without listening (tests inject requests into it). */
export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    trustProxy: 'loopback',
    // Errors Fastify raises before routing (a URL with a bad percent-escape…) get our shape too.
    frameworkErrors: (err, _req, reply) => {
      const code: ErrorCode = err.code === 'FST_ERR_BAD_URL' ? 'http.not_found' : 'http.invalid_body';
      const raw = reply as unknown as { code(n: number): { send(body: unknown): void } };
      raw.code(httpStatusOf(code)).send({ error: { code, message: err.message } });
    },
  });
  // Every route the app answers, so that the role × action test (accessMatrix.test.ts) covers each.
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  app.decorate('amphiRoutes', routes);
  const secureCookies = deps.publicUrl.protocol === 'https:';
  const ctx: HttpContext = { sessions: deps.sessions, publicUrl: deps.publicUrl, secureCookies };
  const licences = new Licences(deps.storage.licences, deps.storage.users, deps.licencePolicy ?? { pool: 0, autoStaff: true });
  const publicOrigin = deps.publicUrl.origin;
  const browsers = await BrowserCredentials.load(deps.storage.settings);
  const wsOrigin = publicOrigin.replace(/^http/, 'ws');

  app.setErrorHandler((err, req, reply) => {
    let appError: AppError;
    const fastifyErr = err as { statusCode?: number; code?: string; message: string };
    if (err instanceof AppError) appError = err;
    else if (fastifyErr.statusCode === 413) appError = new AppError('protocol.too_large', 'request body too large');
    else if (fastifyErr.statusCode && fastifyErr.statusCode >= 400 && fastifyErr.statusCode < 500) appError = new AppError('http.invalid_body', fastifyErr.message);
    else appError = toAppError(err);
    if (appError.code === 'internal') deps.log.error('request failed', { url: req.url, err: String(err), stack: (err as Error).stack });
    reply.code(httpStatusOf(appError.code)).send({ error: { code: appError.code, message: appError.message } });
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send({ error: { code: 'http.not_found', message: 'not found' } });
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('permissions-policy', 'camera=(self), microphone=(self), display-capture=(self)');
    // A route that set its own policy keeps it: the LTI pages are framed by the learning platform.
    if (reply.hasHeader('content-security-policy')) return;
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ${wsOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    );
  });

  // CSRF: state-changing API calls must carry a custom header (cross-site pages cannot add one
  // without a CORS preflight, which Amphi never answers) and, when the browser says where the
  // request comes from, come from Amphi's own origin.
  app.addHook('onRequest', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    // The matched route, not the raw URL: the router decodes %-escapes, so "/%61pi/…" reaches /api/ routes.
    // Outside /api/ on purpose: POST /auth/sso/:provider/acs, which IdPs post cross-site (see samlRoutes.ts),
    // and the LTI login and launch, which learning platforms post cross-site (see ltiRoutes.ts).
    if (!(req.routeOptions.url ?? req.url).startsWith('/api/')) return;
    const origin = req.headers.origin;
    if (req.headers[CSRF_HEADER] !== '1' || (origin !== undefined && origin !== publicOrigin)) {
      throw new AppError('http.csrf', 'cross-site request refused');
    }
  });

  // Every API caller (by address) gets a generous budget; sign-in has its own, much smaller one.
  const apiLimit = new RateLimiter(600, 60_000);
  app.addHook('onRequest', async (req) => {
    if ((req.routeOptions.url ?? req.url).startsWith('/api/') && !apiLimit.hit(req.ip)) {
      throw new AppError('http.rate_limited', 'too many requests; try again in a minute');
    }
  });

  await app.register(websocket, { options: { maxPayload: WS_HARD_LIMIT_BYTES } });

  app.get('/api/health', async () => ({ ok: true }));
  authRoutes(app, { ...ctx, users: deps.storage.users, licences });
  ssoRoutes(app, { ...ctx, sso: deps.sso, policy: licences, log: deps.log.child({ component: 'sso' }) });
  meetingRoutes(app, { ...ctx, meetings: deps.storage.meetings, users: deps.storage.users, attendance: deps.storage.attendance, polls: deps.storage.polls, live: deps.live, policy: deps.policy, mailer: deps.mailer });
  breakoutRoutes(app, { ...ctx, meetings: deps.storage.meetings, breakouts: deps.storage.breakouts });

  if (deps.documents) documentRoutes(app, { ...deps.documents, live: deps.live, log: deps.log });
  adminRoutes(app, { ...ctx, users: deps.storage.users, licences, audit: deps.storage.licences, policies: deps.policies ?? (await Policies.load(deps.storage.settings, deps.storage.licences, { capacity: deps.policy.capacity, retentionDays: 60 }, deps.policy)), live: deps.live });
  if (deps.recordingsDir) {
    const recordings = { ...ctx, recordings: deps.storage.recordings, shares: deps.storage.recordingShares, dir: deps.recordingsDir, log: deps.log.child({ component: 'recordings' }) };
    recordingRoutes(app, recordings);
    sharedRecordingRoutes(app, recordings);
  }

  const recordingsDir = deps.recordingsDir;
  const bbbApi = new BbbApi({
    bbb: deps.storage.bbb,
    meetings: deps.storage.meetings,
    users: deps.storage.users,
    recordings: deps.storage.recordings,
    shares: deps.storage.recordingShares,
    live: deps.live,
    publicUrl: deps.publicUrl,
    log: deps.log.child({ component: 'bbb' }),
    removeFiles: recordingsDir ? (id) => removeRecordingFiles(recordingsDir, id) : undefined,
    fetch: deps.bbbFetch,
    now: deps.bbbNow,
    oneTime: deps.oneTime,
  });
  bbbRoutes(app, { ...ctx, api: bbbApi, bbb: deps.storage.bbb, users: deps.storage.users, licences, audit: deps.storage.licences, log: deps.log.child({ component: 'bbb' }), tickMs: deps.bbbTickMs });

  const ltiKeys = new ToolKeys(deps.storage.lti);
  const ltiLog = deps.log.child({ component: 'lti' });
  ltiRoutes(app, {
    ...ctx,
    tool: new LtiTool({ lti: deps.storage.lti, meetings: deps.storage.meetings, users: deps.storage.users, live: deps.live, keys: ltiKeys, publicUrl: deps.publicUrl, log: ltiLog, oneTime: deps.oneTime }),
    keys: ltiKeys,
    roster: new CourseRoster(ltiKeys, deps.ltiFetch),
    lti: deps.storage.lti,
    breakouts: deps.storage.breakouts,
    users: deps.storage.users,
    licences,
    audit: deps.storage.licences,
    log: ltiLog,
    fetch: deps.ltiFetch,
    oneTime: deps.oneTime,
  });

  const unjoined = new UnjoinedSockets(UNJOINED_SOCKETS_PER_ADDRESS);
  app.get('/ws', {
    websocket: true,
    // A page on another site must not open a signaling socket with the visitor's cookie.
    preValidation: async (req) => {
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== publicOrigin) throw new AppError('http.csrf', 'WebSocket from another origin refused');
    },
  }, async (socket, req) => {
    const release = unjoined.take(req.ip);
    if (!release) {
      socket.send(JSON.stringify({ type: 'error', code: 'protocol.too_many_connections', message: 'too many connections from this address waiting to join a meeting' }));
      socket.close(1008, 'too many connections');
      return;
    }
    // Buffer frames until we know who this is, so none is lost while the session is looked up.
    const early: Buffer[] = [];
    const hold = (data: Buffer) => early.push(data);
    socket.on('message', hold);
    const user = await currentUser(ctx, req).catch(() => undefined);
    socket.off('message', hold);
    const browser = browsers.fromCookies(req.headers.cookie);
    const connection = new SignalingConnection(socket, { userId: user?.id, email: user?.email, isStaff: user?.isStaff, licensed: user?.licensed, address: req.ip, browser }, deps.live, deps.log.child({ ws: req.id }), release);
    for (const frame of early) socket.emit('message', frame, false);
    void connection;
  });

  // Every page gives the browser its credential (or renews it): the signaling socket reads it back.
  if (deps.client) {
    staticRoutes(app, deps.client, (req, reply) => {
      const held = readCookie(req.headers.cookie, BROWSER_COOKIE);
      reply.header('set-cookie', browsers.cookie(browsers.verify(held) ? held! : browsers.issue(), secureCookies));
    });
  }
  return app;
}

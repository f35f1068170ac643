import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CreateBbbConsumerRequest, type BbbConsumerView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import { RateLimiter } from '../RateLimiter.ts';
import type { BbbApi } from '../auth/bbb/BbbApi.ts';
import { findSigner, parseQuery, splitChecksum } from '../auth/bbb/checksum.ts';
import { failed } from '../auth/bbb/xml.ts';
import type { Licences } from '../auth/Licences.ts';
import type { BbbConsumer, BbbRepository } from '../storage/BbbRepository.ts';
import type { LicenceRepository } from '../storage/LicenceRepository.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';

/** BBB calls per address and minute: Moodle polls getMeetingInfo every few seconds per open page. */
const CALLS_PER_MINUTE = 1200;
/** How often sessions are checked for expiry and recordings for the ready callback. */
const TICK_MS = 10_000;
/** Secrets of 64 characters or more: Moodle's JWT library will require ≥ 64 bytes for HS512. */
const newSecret = () => crypto.randomBytes(48).toString('base64url');

export interface BbbRoutesDeps extends HttpContext {
  api: BbbApi;
  bbb: BbbRepository;
  users: UserRepository;
  licences: Licences;
  audit: LicenceRepository;
  log: Logger;
  tickMs?: number | undefined;
}

/**
 * Amphi's BigBlueButton-compatible API at /bigbluebutton/api/<call> (Moodle's built-in
 * BigBlueButton activity appends `api/` to the server URL it is given), and its consumers in the
 * admin console. These calls are server to server, signed with a checksum over the query
 * string, so they stand outside /api/ and its CSRF check; `join` is the browser following
 * Moodle's redirect. Every answer is XML with HTTP 200, as BBB answers, except `join`'s redirect.
 */
export function bbbRoutes(app: FastifyInstance, deps: BbbRoutesDeps): void {
  const limit = new RateLimiter(CALLS_PER_MINUTE, 60_000);

  const answer = async (req: FastifyRequest, reply: FastifyReply, action: string) => {
    noStore(reply);
    reply.header('content-type', 'text/xml; charset=utf-8');
    if (!limit.hit(req.ip)) return failed('tooManyRequests', 'Too many requests; try again in a minute.');
    const at = req.url.indexOf('?');
    // The query exactly as it came: the checksum covers these bytes, not a re-encoding of them.
    const raw = at < 0 ? '' : req.url.slice(at + 1);
    const consumers = await deps.bbb.consumers();
    const consumer = findSigner(consumers, action, raw);
    if (!consumer) {
      // The version probe answers without a checksum, as BBB does; a wrong one is reported
      // (Moodle then tells the administrator that the server is unavailable).
      if (action === '' && splitChecksum(raw).checksum === undefined) return deps.api.version();
      return failed('checksumError', 'Checksums do not match');
    }
    const result = await deps.api.call(consumer, action, parseQuery(splitChecksum(raw).signed));
    if (result.kind === 'redirect') {
      reply.header('content-type', 'text/plain; charset=utf-8');
      return reply.redirect(result.location, 302);
    }
    return result.body;
  };

  app.register(
    async (scope) => {
      // create may come as a POST with an XML body (a presentation to pre-upload) or a form:
      // the checksum covers the query only. The presentation is not fetched: Amphi's documents
      // belong to a live meeting and are uploaded by its presenters (see the README notes).
      scope.addContentTypeParser(['text/xml', 'application/xml', 'application/x-www-form-urlencoded'], { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
      // With the prefix, '/' serves both /bigbluebutton/api and /bigbluebutton/api/ (the version probe).
      scope.get('/', (req, reply) => answer(req, reply, ''));
      scope.get('/:action', (req: FastifyRequest<{ Params: { action: string } }>, reply) => answer(req, reply, req.params.action));
      scope.post('/:action', (req: FastifyRequest<{ Params: { action: string } }>, reply) => answer(req, reply, req.params.action));
    },
    { prefix: '/bigbluebutton/api' },
  );

  const timer = setInterval(() => void deps.api.tick().catch((err) => deps.log.error('bbb api pass failed', { err: String(err) })), deps.tickMs ?? TICK_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  // ---- The consumers, in the admin console (administrators only, audited).

  const requireAdmin = async (req: FastifyRequest): Promise<User> => {
    const user = await requireUser(deps, req);
    if (!user.isAdmin) throw new AppError('auth.forbidden', 'administrators only');
    return user;
  };
  const serverUrl = new URL('/bigbluebutton/', deps.publicUrl).toString();
  const view = (c: BbbConsumer): BbbConsumerView => ({ id: c.id, name: c.name, serverUrl, secret: c.secret, createdAt: c.createdAt });
  const consumer = async (id: string): Promise<BbbConsumer> => {
    const found = (await deps.bbb.consumers()).find((c) => c.id === id);
    if (!found) throw new AppError('http.not_found', 'no such API consumer');
    return found;
  };
  const audit = (admin: User, action: string, c: BbbConsumer) => deps.audit.audit({ actor: { id: admin.id, name: admin.name }, action, target: { id: c.id, name: c.name } });

  app.get('/api/admin/bbb-consumers', async (req, reply): Promise<{ consumers: BbbConsumerView[] }> => {
    noStore(reply);
    await requireAdmin(req);
    return { consumers: (await deps.bbb.consumers()).map(view) };
  });

  /**
   * A consumer's meetings belong to a service account made for it (no password, never signs
   * in) rather than to a person: the meetings outlive any teacher, and Moodle's moderators host
   * them under that account's host licence, granted here within the pool. Revoking that
   * licence in the console stops the consumer from creating sessions.
   */
  app.post('/api/admin/bbb-consumers', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const body = parseBody(CreateBbbConsumerRequest, req.body);
    // Checked first so that a full pool leaves no account behind (grant checks again, atomically).
    const usage = await deps.licences.usage();
    if (usage.pool > 0 && usage.used >= usage.pool) throw new AppError('licence.pool_full', `all ${usage.pool} host licences are taken; revoke one first`);
    const id = crypto.randomUUID();
    const service = await deps.users.create({ email: `bbb-${id}@consumers.amphi.invalid`, name: `${body.name} (BigBlueButton API)`, passwordHash: null, isAdmin: false, isStaff: true });
    await deps.licences.created(admin, service, { bbbConsumer: id });
    await deps.licences.grant(admin, service);
    const created: BbbConsumer = { id, name: body.name, secret: newSecret(), serviceUserId: service.id, createdAt: new Date().toISOString() };
    await deps.bbb.createConsumer(created);
    await audit(admin, 'bbb_consumer.created', created);
    reply.code(201);
    return { consumer: view(created) };
  });

  app.post<{ Params: { id: string } }>('/api/admin/bbb-consumers/:id/rotate', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const c = await consumer(req.params.id);
    const rotated = { ...c, secret: newSecret() };
    await deps.bbb.setSecret(c.id, rotated.secret);
    await audit(admin, 'bbb_consumer.secret_rotated', c);
    return { consumer: view(rotated) };
  });

  /** Removes the consumer; its service account keeps its recordings (until retention) but not its licence. */
  app.delete<{ Params: { id: string } }>('/api/admin/bbb-consumers/:id', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const c = await consumer(req.params.id);
    await deps.bbb.deleteConsumer(c.id);
    const service = await deps.users.byId(c.serviceUserId);
    if (service) await deps.licences.revoke(admin, service);
    await audit(admin, 'bbb_consumer.deleted', c);
    return { ok: true };
  });
}

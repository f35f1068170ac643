import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CreateUserRequest, UpdatePoliciesRequest, UpdateUserRequest, type AuditEntryView, type BrandingView, type DeploymentPoliciesView, type LiveMeetingAdminView, type PeopleResponse, type PersonView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Licences } from '../auth/Licences.ts';
import { MAX_LOGO_BYTES, type Policies } from '../admin/Policies.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import type { LicenceRepository } from '../storage/LicenceRepository.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';
import { userView } from './authRoutes.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';

const PAGE = 200;

function personView(user: User): PersonView {
  return { ...userView(user), createdAt: user.createdAt, hasPassword: user.passwordHash !== null };
}

/**
 * The admin console's API (administrators only): people, their staff flag and host licences,
 * the meetings going on, the deployment's policies and branding, and the audit log of every
 * change. The branding itself is public (every page shows it).
 */
export function adminRoutes(app: FastifyInstance, ctx: HttpContext & { users: UserRepository; licences: Licences; audit: LicenceRepository; policies: Policies; live: MeetingRegistry }): void {
  const requireAdmin = async (req: FastifyRequest): Promise<User> => {
    const user = await requireUser(ctx, req);
    if (!user.isAdmin) throw new AppError('auth.forbidden', 'administrators only');
    return user;
  };
  const person = async (id: string): Promise<User> => {
    const user = id.length <= 100 ? await ctx.users.byId(id) : undefined;
    if (!user) throw new AppError('http.not_found', 'no such person');
    return user;
  };

  /** Creates a local account, staff (may record to the cloud) or not, with a host licence unless told otherwise. */
  app.post('/api/admin/users', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const body = parseBody(CreateUserRequest, req.body);
    const taken = () => new AppError('http.invalid_body', 'email: an account with this email already exists');
    if (await ctx.users.byEmail(body.email)) throw taken();
    const passwordHash = await hashPassword(body.password);
    let user: User;
    try {
      user = await ctx.users.create({ email: body.email, name: body.name, passwordHash, isAdmin: false, isStaff: body.staff });
    } catch (err) {
      // Another request took the email between the check and the insert (unique constraint).
      if (await ctx.users.byEmail(body.email)) throw taken();
      throw err;
    }
    await ctx.licences.created(admin, user, { local: true, staff: body.staff });
    // The account exists either way; a full pool leaves it without a licence (said in the answer).
    if (body.licensed) user = await ctx.licences.grant(admin, user).catch((err: unknown) => (err instanceof AppError && err.code === 'licence.pool_full' ? user : Promise.reject(err)));
    reply.code(201);
    return { user: userView(user) };
  });

  app.get<{ Querystring: { q?: string } }>('/api/admin/people', async (req, reply): Promise<PeopleResponse> => {
    noStore(reply);
    await requireAdmin(req);
    const query = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : undefined;
    const people = await ctx.users.list(query || undefined, PAGE);
    return { people: people.map(personView), licences: await ctx.licences.usage() };
  });

  /** Grants or revokes a licence, makes someone staff or not: at once, audited. */
  app.patch<{ Params: { id: string } }>('/api/admin/users/:id', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const body = parseBody(UpdateUserRequest, req.body);
    let user = await person(req.params.id);
    if (body.staff !== undefined) user = await ctx.licences.setStaff(admin, user, body.staff);
    if (body.licensed === true) user = await ctx.licences.grant(admin, user);
    if (body.licensed === false) user = await ctx.licences.revoke(admin, user);
    return { person: personView(user) };
  });

  app.get<{ Querystring: { before?: string } }>('/api/admin/audit', async (req, reply): Promise<{ entries: AuditEntryView[] }> => {
    noStore(reply);
    await requireAdmin(req);
    const before = typeof req.query.before === 'string' && !Number.isNaN(Date.parse(req.query.before)) ? req.query.before : undefined;
    return { entries: await ctx.audit.auditLog(PAGE, before) };
  });

  app.get('/api/admin/meetings', async (req, reply): Promise<{ meetings: LiveMeetingAdminView[] }> => {
    noStore(reply);
    await requireAdmin(req);
    return {
      meetings: ctx.live.all().map((m) => ({
        id: m.id,
        title: m.title,
        participants: m.participants().map((p) => ({ name: p.name, role: p.role })),
        waiting: m.waitingList().length,
        recording: m.recording.active,
      })),
    };
  });

  /** Ends a meeting for everyone (someone misusing a room, a meeting left running). */
  app.post<{ Params: { id: string } }>('/api/admin/meetings/:id/end', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    const meeting = ctx.live.get(req.params.id);
    if (!meeting || meeting.ended) throw new AppError('meeting.not_found', 'this meeting is not going on');
    meeting.terminate('ended-by-host');
    await ctx.audit.audit({ actor: { id: admin.id, name: admin.name }, action: 'meeting.ended', target: { id: meeting.id, name: meeting.title } });
    return { ok: true };
  });

  app.get('/api/admin/policies', async (req, reply): Promise<DeploymentPoliciesView> => {
    noStore(reply);
    await requireAdmin(req);
    return ctx.policies.view();
  });

  app.put('/api/admin/policies', async (req, reply): Promise<DeploymentPoliciesView> => {
    noStore(reply);
    const admin = await requireAdmin(req);
    return ctx.policies.update(admin, parseBody(UpdatePoliciesRequest, req.body));
  });

  /** The logo: PUT the image's bytes (PNG, JPEG or WebP), DELETE to go back to none. */
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_LOGO_BYTES }, (_req, body, done) => done(null, body));
    scope.put('/api/admin/branding/logo', async (req, reply) => {
      noStore(reply);
      const admin = await requireAdmin(req);
      if (!Buffer.isBuffer(req.body)) throw new AppError('http.invalid_body', 'send the image as application/octet-stream');
      await ctx.policies.setLogo(admin, req.body);
      return { branding: ctx.policies.branding() };
    });
  });

  app.delete('/api/admin/branding/logo', async (req, reply) => {
    noStore(reply);
    const admin = await requireAdmin(req);
    await ctx.policies.setLogo(admin, null);
    return { branding: ctx.policies.branding() };
  });

  app.get('/api/branding', async (_req, reply): Promise<BrandingView> => {
    reply.header('cache-control', 'no-cache');
    return ctx.policies.branding();
  });

  app.get('/api/branding/logo', async (_req, reply) => {
    const logo = ctx.policies.logo();
    if (!logo) throw new AppError('http.not_found', 'no logo');
    reply.header('cache-control', 'no-cache').header('content-type', logo.type).header('x-content-type-options', 'nosniff');
    return reply.send(logo.bytes);
  });
}

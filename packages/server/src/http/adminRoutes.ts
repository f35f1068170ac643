import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CreateUserRequest, UpdateUserRequest, type AuditEntryView, type PeopleResponse, type PersonView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Licences } from '../auth/Licences.ts';
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
 * and the audit log of every change.
 */
export function adminRoutes(app: FastifyInstance, ctx: HttpContext & { users: UserRepository; licences: Licences; audit: LicenceRepository }): void {
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
}

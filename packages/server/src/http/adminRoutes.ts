import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CreateUserRequest } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';
import { userView } from './authRoutes.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';

/** What only administrators may do (the seed of the admin console): POST /api/admin/users. */
export function adminRoutes(app: FastifyInstance, ctx: HttpContext & { users: UserRepository }): void {
  const requireAdmin = async (req: FastifyRequest): Promise<User> => {
    const user = await requireUser(ctx, req);
    if (!user.isAdmin) throw new AppError('auth.forbidden', 'administrators only');
    return user;
  };

  /** Creates a local account, staff (may record to the cloud) or not. */
  app.post('/api/admin/users', async (req, reply) => {
    noStore(reply);
    await requireAdmin(req);
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
    reply.code(201);
    return { user: userView(user) };
  });
}

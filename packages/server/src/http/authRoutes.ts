import type { FastifyInstance } from 'fastify';
import { LoginRequest, type UserView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';
import { readCookie, sessionCookie } from './cookies.ts';
import { currentUser, noStore, parseBody, type HttpContext } from './context.ts';
import { RateLimiter } from '../RateLimiter.ts';
import { SignInThrottle } from '../auth/SignInThrottle.ts';

/** Wrong passwords, and sign-in tries of any kind, one address may make in 15 minutes. */
export const WRONG_PER_ADDRESS = 30;
export const TRIES_PER_ADDRESS = 300;
import type { Licences } from '../auth/Licences.ts';

export function userView(user: User): UserView {
  return { id: user.id, email: user.email, name: user.name, isAdmin: user.isAdmin, isStaff: user.isStaff, licensed: user.licensed };
}

// Verifying against a dummy hash when the account does not exist keeps the timing the same,
// so response times do not reveal which emails have accounts.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Local sign-in: POST /api/auth/login, POST /api/auth/logout, GET /api/me. */
export function authRoutes(app: FastifyInstance, ctx: HttpContext & { users: UserRepository; licences: Licences }): void {
  // Guessing is slowed down per account and address (SignInThrottle), never a lock-out of the
  // owner; an address is refused after 30 wrong passwords, and after 300 tries of any kind (each
  // costs a password hash) in 15 minutes — a campus NAT signing in with right passwords is not.
  const throttle = new SignInThrottle();
  const wrongPerIp = new RateLimiter(WRONG_PER_ADDRESS - 1, 15 * 60_000);
  const triesPerIp = new RateLimiter(TRIES_PER_ADDRESS, 15 * 60_000);

  app.post('/api/auth/login', async (req, reply) => {
    noStore(reply);
    if (!triesPerIp.hit(req.ip) || !wrongPerIp.hit(req.ip, 0)) throw new AppError('http.rate_limited', 'too many sign-in attempts from this address; try again in 15 minutes');
    const body = parseBody(LoginRequest, req.body);
    const account = body.email.toLowerCase();
    const wait = throttle.waitMs(account, req.ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1_000);
      reply.header('retry-after', String(seconds));
      throw new AppError('http.rate_limited', `too many wrong passwords for this account; try again in ${seconds} s`);
    }
    const user = await ctx.users.byEmail(body.email);
    const ok = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !user.passwordHash || !ok) {
      throttle.wrong(account, req.ip);
      wrongPerIp.hit(req.ip);
      throw new AppError('auth.invalid_credentials', 'wrong email or password');
    }
    throttle.succeeded(account, req.ip);
    const signedIn = await ctx.licences.applyPolicy(user);
    const session = await ctx.sessions.create(user.id);
    reply.header('set-cookie', sessionCookie(SESSION_COOKIE, session.token, { secure: ctx.secureCookies, expires: session.expiresAt }));
    return { user: userView(signedIn) };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    noStore(reply);
    await ctx.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
    reply.header('set-cookie', sessionCookie(SESSION_COOKIE, '', { secure: ctx.secureCookies, expires: new Date(0) }));
    return { ok: true };
  });

  app.get('/api/me', async (req, reply) => {
    noStore(reply);
    const user = await currentUser(ctx, req);
    if (!user) throw new AppError('auth.unauthenticated', 'not signed in');
    return { user: userView(user) };
  });
}

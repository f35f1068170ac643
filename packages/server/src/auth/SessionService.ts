import crypto from 'node:crypto';
import type { SessionRepository } from '../storage/SessionRepository.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';

export const SESSION_COOKIE = 'amphi_session';
const SESSION_DAYS = 14;

function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url');
}

/** Sign-in sessions: an opaque random token in an HttpOnly cookie, its hash in the database. */
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
  ) {}

  async create(userId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
    await this.sessions.create(hashToken(token), userId, now, expiresAt);
    return { token, expiresAt };
  }

  /** The user behind a cookie token, or undefined if the token is unknown or expired. */
  async resolve(token: string | undefined, now = new Date()): Promise<User | undefined> {
    if (!token || token.length > 200) return undefined;
    const session = await this.sessions.find(hashToken(token));
    if (!session || new Date(session.expiresAt) <= now) return undefined;
    return this.users.byId(session.userId);
  }

  async destroy(token: string | undefined): Promise<void> {
    if (token) await this.sessions.delete(hashToken(token));
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import type { SessionService } from '../auth/SessionService.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import type { User } from '../storage/UserRepository.ts';
import { readCookie } from './cookies.ts';

/** What route plugins get from the composition root. */
export interface HttpContext {
  sessions: SessionService;
  publicUrl: URL;
  secureCookies: boolean;
}

/** Validates an HTTP body against its protocol schema (`http.invalid_body` on failure). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('http.invalid_body', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function currentUser(ctx: HttpContext, req: FastifyRequest): Promise<User | undefined> {
  return ctx.sessions.resolve(readCookie(req.headers.cookie, SESSION_COOKIE));
}

export async function requireUser(ctx: HttpContext, req: FastifyRequest): Promise<User> {
  const user = await currentUser(ctx, req);
  if (!user) throw new AppError('auth.unauthenticated', 'sign in first');
  return user;
}

export function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

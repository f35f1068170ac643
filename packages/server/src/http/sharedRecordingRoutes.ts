import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SHARE_TOKEN_PATTERN, UnlockSharedRecordingRequest, type SharedRecordingView } from '@amphi/protocol';
import { verifyPassword } from '../auth/passwords.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { RecordingRecord } from '../ports/RecordingCatalog.ts';
import { RateLimiter } from '../RateLimiter.ts';
import type { RecordingRepository } from '../storage/RecordingRepository.ts';
import { isLive, type RecordingShare, type RecordingShareRepository } from '../storage/RecordingShareRepository.ts';
import { readCookie, sessionCookie } from './cookies.ts';
import { noStore, parseBody, type HttpContext } from './context.ts';
import { sendRecordingFile } from './recordingFile.ts';

const ATTEMPTS_PER_IP = 20;
const WRONG_PER_SHARE = 20;

/** The cookie that proves a browser gave a share's passcode; its path limits it to that share. */
export const SHARE_UNLOCK_COOKIE = 'amphi_share';

/**
 * The proof that the passcode of `share` was given: an HMAC of the share's id keyed with the
 * share's passcode hash. That key never leaves the server and is salted per share, so a proof
 * opens this share only; it needs no secret of its own (it survives restarts and works on every
 * node), and it dies with the share.
 */
export function unlockProof(share: RecordingShare & { passcodeHash: string }): string {
  return crypto.createHmac('sha256', share.passcodeHash).update(`amphi recording share unlock\0${share.id}`).digest('base64url');
}

function isUnlocked(req: FastifyRequest, share: RecordingShare): boolean {
  if (share.passcodeHash === null) return true;
  const given = readCookie(req.headers.cookie, SHARE_UNLOCK_COOKIE);
  if (given === undefined) return false;
  const expected = Buffer.from(unlockProof({ ...share, passcodeHash: share.passcodeHash }));
  const actual = Buffer.from(given);
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** A shared recording's answers are for the person holding the link: kept by nobody, indexed by nobody. */
function privateAnswer(reply: FastifyReply): void {
  noStore(reply);
  reply.header('x-robots-tag', 'noindex, nofollow');
}

/**
 * Share links, for anyone who holds one (no account): what the link shows, the passcode, and the
 * video. A link that is unknown, stopped or expired, or whose recording was deleted, gets one
 * answer (`http.not_found`), so links cannot be told apart by probing.
 */
export function sharedRecordingRoutes(app: FastifyInstance, ctx: HttpContext & { recordings: RecordingRepository; shares: RecordingShareRepository; dir: string; log: Logger }): void {
  // Passcode attempts, as sign-in: 20 per address, and 20 wrong ones per link (wrong ones only,
  // so that a class opening the same link with the right passcode is never turned away), in 15
  // minutes. The link's budget is looked at with a cost of 0, which passes while the count is at
  // most the limit: a limit one lower lets exactly WRONG_PER_SHARE wrong passcodes through.
  const attemptsPerIp = new RateLimiter(ATTEMPTS_PER_IP, 15 * 60_000);
  const failuresPerShare = new RateLimiter(WRONG_PER_SHARE - 1, 15 * 60_000);

  const working = async (token: string): Promise<{ share: RecordingShare; recording: RecordingRecord }> => {
    const share = SHARE_TOKEN_PATTERN.test(token) ? await ctx.shares.byToken(token) : undefined;
    const recording = share && isLive(share, new Date()) ? await ctx.recordings.byId(share.recordingId) : undefined;
    if (!share || !recording || recording.status !== 'ready') throw new AppError('http.not_found', 'this link does not work: it is unknown, expired or stopped');
    return { share, recording };
  };

  app.get<{ Params: { token: string } }>('/api/shared-recordings/:token', async (req, reply): Promise<SharedRecordingView> => {
    privateAnswer(reply);
    const { share, recording } = await working(req.params.token);
    return {
      title: recording.title,
      startedAt: recording.startedAt,
      ...(recording.durationS !== null ? { durationSeconds: recording.durationS } : {}),
      needsPasscode: share.passcodeHash !== null,
      unlocked: isUnlocked(req, share),
    };
  });

  app.post<{ Params: { token: string } }>('/api/shared-recordings/:token/unlock', async (req, reply) => {
    privateAnswer(reply);
    if (!attemptsPerIp.hit(req.ip)) throw new AppError('http.rate_limited', 'too many passcode attempts; try again in 15 minutes');
    const body = parseBody(UnlockSharedRecordingRequest, req.body);
    const { share } = await working(req.params.token);
    if (share.passcodeHash === null) return { ok: true };
    // Cost 0 only looks: the budget is spent by wrong passcodes below.
    if (!failuresPerShare.hit(share.id, 0)) throw new AppError('http.rate_limited', 'too many wrong passcodes for this link; try again in 15 minutes');
    if (!(await verifyPassword(body.passcode, share.passcodeHash))) {
      failuresPerShare.hit(share.id);
      throw new AppError('recording.passcode_wrong', 'wrong passcode');
    }
    reply.header(
      'set-cookie',
      sessionCookie(SHARE_UNLOCK_COOKIE, unlockProof({ ...share, passcodeHash: share.passcodeHash }), {
        secure: ctx.secureCookies,
        path: `/api/shared-recordings/${share.id}`,
        // Until the link expires; without an expiry, until the browser is closed.
        expires: share.expiresAt === null ? undefined : new Date(share.expiresAt),
      }),
    );
    return { ok: true };
  });

  app.get<{ Params: { token: string } }>('/api/shared-recordings/:token/file', async (req, reply) => {
    privateAnswer(reply);
    const { share, recording } = await working(req.params.token);
    if (!isUnlocked(req, share)) throw new AppError('recording.passcode_required', 'give the passcode of this link first');
    return sendRecordingFile(req, reply, { dir: ctx.dir, recording, log: ctx.log, disposition: 'inline' });
  });
}

import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  CreateRecordingShareRequest,
  RECORDING_SHARE_LIMITS,
  type RecordingListResponse,
  type RecordingShareListResponse,
  type RecordingShareResponse,
  type RecordingShareView,
  type RecordingView,
} from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { RecordingRecord } from '../ports/RecordingCatalog.ts';
import { removeRecordingFiles } from '../recordings/RetentionJob.ts';
import type { RecordingRepository } from '../storage/RecordingRepository.ts';
import type { RecordingShare, RecordingShareRepository } from '../storage/RecordingShareRepository.ts';
import type { User } from '../storage/UserRepository.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';
import { sendRecordingFile } from './recordingFile.ts';

const DAY_MS = 86_400_000;

/** The secret of a new share link: 192 random bits, base64url (SHARE_TOKEN_PATTERN). */
export function newShareToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function view(r: RecordingRecord, ownerName: string): RecordingView {
  return {
    id: r.id,
    meetingId: r.meetingId,
    title: r.title,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    status: r.status,
    durationS: r.durationS,
    bytes: r.bytes,
    expiresAt: r.expiresAt,
    ownerName,
  };
}

/**
 * The recordings library: list one's recordings (administrators: everyone's), play or download
 * the MP4 (with byte ranges, so the browser's player can seek), delete, and share by link (make,
 * list and stop links; the links themselves are served by sharedRecordingRoutes). Someone else's
 * recording is answered like one that does not exist, unless the caller is an administrator.
 */
export function recordingRoutes(app: FastifyInstance, ctx: HttpContext & { recordings: RecordingRepository; shares: RecordingShareRepository; dir: string; log: Logger }): void {
  const accessible = async (id: string, user: User): Promise<RecordingRecord> => {
    const recording = id.length <= 128 ? await ctx.recordings.byId(id) : undefined;
    if (!recording || (recording.ownerId !== user.id && !user.isAdmin)) throw new AppError('http.not_found', 'you have no recording with this id');
    return recording;
  };

  app.get<{ Querystring: { all?: string } }>('/api/recordings', async (req, reply): Promise<RecordingListResponse> => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    if (req.query.all === '1') {
      if (!user.isAdmin) throw new AppError('auth.forbidden', 'only administrators see everyone’s recordings');
      const all = await ctx.recordings.listAll();
      return { recordings: all.map((r) => view(r, r.ownerName)), totalBytes: await ctx.recordings.totalBytes() };
    }
    const own = await ctx.recordings.listByOwner(user.id);
    return { recordings: own.map((r) => view(r, user.name)), totalBytes: own.reduce((sum, r) => sum + (r.bytes ?? 0), 0) };
  });

  app.get<{ Params: { id: string }; Querystring: { download?: string } }>('/api/recordings/:id/file', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const recording = await accessible(req.params.id, user);
    return sendRecordingFile(req, reply, { dir: ctx.dir, recording, log: ctx.log, disposition: req.query.download === '1' ? 'attachment' : undefined });
  });

  app.delete<{ Params: { id: string } }>('/api/recordings/:id', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const recording = await accessible(req.params.id, user);
    // The recorder still writes its files and its record: deleting now would race with it.
    if (recording.status === 'recording' || recording.status === 'processing') {
      throw new AppError('protocol.out_of_order', 'this recording is still being made; delete it once it is ready or has failed');
    }
    await removeRecordingFiles(ctx.dir, recording.id);
    await ctx.recordings.delete(recording.id);
    ctx.log.info('recording deleted', {
      reason: recording.ownerId === user.id ? 'owner' : 'administrator',
      by: user.id,
      recording: recording.id,
      meeting: recording.meetingId,
      owner: recording.ownerId,
      title: recording.title,
    });
    return { ok: true };
  });

  const shareView = (share: RecordingShare): RecordingShareView => ({
    id: share.id,
    url: new URL(`/r/${share.id}`, ctx.publicUrl).toString(),
    hasPasscode: share.passcodeHash !== null,
    expiresAt: share.expiresAt,
    createdAt: share.createdAt,
  });

  app.post<{ Params: { id: string } }>('/api/recordings/:id/shares', async (req, reply): Promise<RecordingShareResponse> => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const body = parseBody(CreateRecordingShareRequest, req.body ?? {});
    const recording = await accessible(req.params.id, user);
    if (recording.status !== 'ready') throw new AppError('protocol.out_of_order', 'only a ready recording can be shared');
    const now = new Date();
    if ((await ctx.shares.listFor(recording.id, now)).length >= RECORDING_SHARE_LIMITS.perRecording) {
      throw new AppError('http.invalid_body', `at most ${RECORDING_SHARE_LIMITS.perRecording} links per recording; stop some first`);
    }
    const share = await ctx.shares.create({
      id: newShareToken(),
      recordingId: recording.id,
      passcodeHash: body.passcode === undefined ? null : await hashPassword(body.passcode),
      expiresAt: body.expiresInDays === undefined ? null : new Date(now.getTime() + body.expiresInDays * DAY_MS),
      createdBy: user.id,
      now,
    });
    // The token is the link's secret: it stays out of the logs.
    ctx.log.info('recording shared', { by: user.id, recording: recording.id, owner: recording.ownerId, passcode: share.passcodeHash !== null, expiresAt: share.expiresAt });
    reply.code(201);
    return { share: shareView(share) };
  });

  app.get<{ Params: { id: string } }>('/api/recordings/:id/shares', async (req, reply): Promise<RecordingShareListResponse> => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const recording = await accessible(req.params.id, user);
    return { shares: (await ctx.shares.listFor(recording.id, new Date())).map(shareView) };
  });

  app.delete<{ Params: { id: string; shareId: string } }>('/api/recordings/:id/shares/:shareId', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const recording = await accessible(req.params.id, user);
    if (!(await ctx.shares.revoke(recording.id, req.params.shareId))) throw new AppError('http.not_found', 'this recording has no such link');
    ctx.log.info('recording link stopped', { by: user.id, recording: recording.id, owner: recording.ownerId });
    return { ok: true };
  });
}

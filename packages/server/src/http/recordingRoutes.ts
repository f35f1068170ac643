import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { RecordingListResponse, RecordingView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { RecordingRecord } from '../ports/RecordingCatalog.ts';
import { recordingFiles, removeRecordingFiles } from '../recordings/RetentionJob.ts';
import type { RecordingRepository } from '../storage/RecordingRepository.ts';
import type { User } from '../storage/UserRepository.ts';
import { noStore, requireUser, type HttpContext } from './context.ts';

/**
 * What a `Range` header asks of a file of `size` bytes: one range of bytes (inclusive), a range
 * that cannot be served, or undefined to send the whole file (no header, several ranges, another
 * unit or a malformed header: RFC 9110 lets a server ignore those).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // "bytes=-500": the last 500 bytes.
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/**
 * The Content-Disposition of a download: "<title> <date>.mp4", with an ASCII fallback for old
 * clients and the title as written (RFC 6266 filename*) for the others. Nothing in either name
 * can break out of the header or name a folder.
 */
export function downloadDisposition(title: string, startedAt: string): string {
  const base = `${title} ${startedAt.slice(0, 10)}`;
  const ascii =
    base
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9 ._-]+/g, '_')
      .replace(/\s+/g, ' ')
      .replace(/^[\s._]+|[\s._]+$/g, '')
      .slice(0, 120) || 'recording';
  const unicode = base.replace(/[\p{Cc}\p{Cf}\\/:*?"<>|]+/gu, '_').trim().slice(0, 120) || 'recording';
  const encoded = encodeURIComponent(`${unicode}.mp4`).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}.mp4"; filename*=UTF-8''${encoded}`;
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
 * the MP4 (with byte ranges, so the browser's player can seek), delete. Someone else's recording
 * is answered like one that does not exist, unless the caller is an administrator.
 */
export function recordingRoutes(app: FastifyInstance, ctx: HttpContext & { recordings: RecordingRepository; dir: string; log: Logger }): void {
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
    if (recording.status !== 'ready') throw new AppError('http.not_found', 'this recording has no video yet');
    const file = recordingFiles(ctx.dir, recording.id).mp4;
    let size: number;
    try {
      size = (await fs.promises.stat(file)).size;
    } catch (err) {
      ctx.log.warn('a ready recording has no MP4', { recording: recording.id, err: String(err) });
      throw new AppError('http.not_found', 'the video of this recording is missing');
    }
    reply.header('accept-ranges', 'bytes');
    reply.type('video/mp4');
    if (req.query.download === '1') reply.header('content-disposition', downloadDisposition(recording.title, recording.startedAt));
    const range = parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') {
      reply.code(416).header('content-range', `bytes */${size}`);
      return reply.send();
    }
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
      return reply.send(fs.createReadStream(file, { start: range.start, end: range.end }));
    }
    reply.header('content-length', size);
    return reply.send(fs.createReadStream(file));
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
}

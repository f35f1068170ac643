import fs from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { RecordingRecord } from '../ports/RecordingCatalog.ts';
import { recordingFiles } from '../recordings/RetentionJob.ts';

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
 * The Content-Disposition of a recording's MP4: "<title> <date>.mp4", with an ASCII fallback for
 * old clients and the title as written (RFC 6266 filename*) for the others. `attachment` makes
 * the browser download it, `inline` play it (and names the file if the viewer saves it). Nothing
 * in either name can break out of the header or name a folder.
 */
export function downloadDisposition(title: string, startedAt: string, kind: 'attachment' | 'inline' = 'attachment'): string {
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
  return `${kind}; filename="${ascii}.mp4"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends the MP4 of a ready recording, whole or the one byte range asked for (so the browser's
 * player can seek), with the disposition given (none: the browser decides). Whoever calls it has
 * already decided that this request may see this recording.
 */
export async function sendRecordingFile(
  req: FastifyRequest,
  reply: FastifyReply,
  input: { dir: string; recording: RecordingRecord; log: Logger; disposition?: 'attachment' | 'inline' | undefined },
): Promise<FastifyReply> {
  const { recording } = input;
  if (recording.status !== 'ready') throw new AppError('http.not_found', 'this recording has no video yet');
  const file = recordingFiles(input.dir, recording.id).mp4;
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch (err) {
    input.log.warn('a ready recording has no MP4', { recording: recording.id, err: String(err) });
    throw new AppError('http.not_found', 'the video of this recording is missing');
  }
  reply.header('accept-ranges', 'bytes');
  reply.type('video/mp4');
  if (input.disposition) reply.header('content-disposition', downloadDisposition(recording.title, recording.startedAt, input.disposition));
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
}

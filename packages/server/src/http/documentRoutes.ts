import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DocumentInfo } from '@amphi/protocol';
import { AppError, httpStatusOf, toAppError } from '../errors.ts';
import type { Logger } from '../Logger.ts';
import type { LiveMeeting } from '../domain/LiveMeeting.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import type { Participant } from '../domain/Participant.ts';
import type { DocumentConverter } from '../ports/DocumentConverter.ts';
import type { DocumentStore } from '../ports/DocumentStore.ts';
import { RateLimiter } from '../RateLimiter.ts';

export interface DocumentRoutesContext {
  live: MeetingRegistry;
  converter: DocumentConverter;
  store: DocumentStore;
  /** Largest upload (AMPHI_DOCUMENT_MAX_MB). */
  maxBytes: number;
  log: Logger;
}

/**
 * Documents presented in a live meeting. Callers are participants, not accounts (guests
 * present too): they prove it with the bearer token their `joined` message carried.
 *   POST /api/meetings/:id/documents?name=slides.pptx   (body: the file, application/octet-stream)
 *   GET  /api/meetings/:id/documents/:docId[?download=1]
 */
export function documentRoutes(app: FastifyInstance, ctx: DocumentRoutesContext): void {
  // Counted for the person (account, else browser), not the participant: joining again does not start afresh.
  const uploads = new RateLimiter(20, 600_000);
  const personOf = (meeting: LiveMeeting, p: Participant) => `${meeting.id}\n${p.userId ? `user:${p.userId}` : p.browser ? `browser:${p.browser}` : `participant:${p.id}`}`;

  const participantOf = (req: FastifyRequest<{ Params: { id: string } }>): { meeting: LiveMeeting; participant: Participant } => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
    const meeting = ctx.live.get(req.params.id);
    const participant = token && meeting && !meeting.ended ? meeting.participantByToken(token) : undefined;
    if (!meeting || !participant) throw new AppError('auth.unauthenticated', 'only people in the meeting can use its documents');
    return { meeting, participant };
  };

  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: ctx.maxBytes }, (_req, body, done) => done(null, body));

    scope.post<{ Params: { id: string }; Querystring: { name?: string } }>(
      '/api/meetings/:id/documents',
      {
        bodyLimit: ctx.maxBytes,
        // Refused before a byte of the body is read: who asks, whether they may, and the declared size.
        onRequest: async (req) => {
          const { meeting, participant } = participantOf(req);
          meeting.documents.assertMayUpload(participant);
          const length = Number(req.headers['content-length'] ?? 0);
          if (length > ctx.maxBytes) throw tooLarge(ctx.maxBytes);
          if (!uploads.hit(personOf(meeting, participant))) throw new AppError('http.rate_limited', 'too many uploads; try again in a few minutes');
        },
        errorHandler: (err, _req, reply) => {
          const fastifyErr = err as { statusCode?: number };
          const appError = err instanceof AppError ? err : fastifyErr.statusCode === 413 ? tooLarge(ctx.maxBytes) : fastifyErr.statusCode === 415 ? new AppError('http.invalid_body', 'send the file as application/octet-stream') : toAppError(err);
          if (appError.code === 'internal') ctx.log.error('document upload failed', { err: String(err) });
          reply.code(httpStatusOf(appError.code)).send({ error: { code: appError.code, message: appError.message } });
        },
      },
      async (req, reply) => {
        const { meeting, participant } = participantOf(req);
        const body = req.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('document.unsupported', 'the upload is empty');
        const name = cleanFileName(req.query.name);
        // A turn in the converter's line for this meeting, this address and this person (FairLine).
        const converted = await ctx.converter.convert(body, name, { meeting: meeting.id, address: req.ip, person: personOf(meeting, participant) });
        const id = meeting.documents.newId();
        await ctx.store.put(meeting.id, id, converted.pdf);
        // They may have left, or the meeting ended, while LibreOffice worked.
        if (meeting.ended || meeting.participant(participant.id) !== participant) {
          await ctx.store.remove(meeting.id, id);
          throw new AppError('meeting.not_participant', 'you left the meeting while the document was being prepared');
        }
        let info: DocumentInfo;
        try {
          info = meeting.documents.add(participant, { id, name, pages: converted.pages });
        } catch (err) {
          await ctx.store.remove(meeting.id, id);
          throw err;
        }
        reply.code(201).header('cache-control', 'no-store').send(info);
      },
    );
  });

  app.get<{ Params: { id: string; docId: string }; Querystring: { download?: string } }>('/api/meetings/:id/documents/:docId', async (req, reply) => {
    const { meeting, participant } = participantOf(req);
    const doc = meeting.documents.require(req.params.docId);
    const download = req.query.download === '1';
    if (download && !meeting.documents.mayDownload(participant, doc)) throw new AppError('auth.forbidden', 'the host has not allowed downloading this document');
    const pdf = await ctx.store.read(meeting.id, doc.id);
    if (!pdf) throw new AppError('document.not_found', 'the document is no longer there');
    const fileName = doc.name.replace(/\.[A-Za-z0-9]{1,5}$/, '') + '.pdf';
    reply
      .header('content-type', 'application/pdf')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
      .send(pdf);
  });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('document.too_large', `documents may be at most ${Math.round(maxBytes / (1024 * 1024))} MB`);
}

/** The name people see: no folders, no control characters, not empty, not too long. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return cleaned || 'document';
}

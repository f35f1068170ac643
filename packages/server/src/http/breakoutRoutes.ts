import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BREAKOUT_PLAN_LIMITS, PutBreakoutPlanRequest, type BreakoutPlanView, type CsvImportResult } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import type { BreakoutPlan } from '../ports/MeetingDirectory.ts';
import type { BreakoutPlanRepository } from '../storage/BreakoutPlanRepository.ts';
import type { MeetingRecord, MeetingRepository } from '../storage/MeetingRepository.ts';
import { decodeCsv, mergeIntoPlan, parseBreakoutCsv } from './breakoutCsv.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';

/**
 * Breakout rooms prepared before the meeting, on the meeting's card (organiser only):
 *   GET    /api/meetings/:id/breakouts       → { plan: BreakoutPlanView }
 *   PUT    /api/meetings/:id/breakouts       PutBreakoutPlanRequest → { plan: BreakoutPlanView }
 *   POST   /api/meetings/:id/breakouts/csv   text/csv (≤ 256 KiB) → CsvImportResult
 *   DELETE /api/meetings/:id/breakouts       → { ok: true }
 * Each person gets a personal link (/m/<id>?invite=<token>) that says who they are and where
 * they go; the live meeting reads the plan through MeetingDirectory.breakoutPlan().
 */
export function breakoutRoutes(app: FastifyInstance, ctx: HttpContext & { meetings: MeetingRepository; breakouts: BreakoutPlanRepository }): void {
  const ownMeeting = async (req: FastifyRequest<{ Params: { id: string } }>): Promise<MeetingRecord> => {
    const user = await requireUser(ctx, req);
    const id = req.params.id;
    const meeting = id.length <= 64 ? await ctx.meetings.byId(id) : undefined;
    if (!meeting || meeting.ownerId !== user.id) throw new AppError('meeting.not_found', 'you have no meeting with this id');
    return meeting;
  };
  const view = (meetingId: string, plan: BreakoutPlan): BreakoutPlanView => ({
    rooms: plan.rooms,
    assignments: plan.assignments.map((a) => ({
      name: a.name,
      email: a.email,
      room: a.room,
      token: a.token,
      link: new URL(`/m/${meetingId}?invite=${a.token}`, ctx.publicUrl).toString(),
    })),
  });

  app.get<{ Params: { id: string } }>('/api/meetings/:id/breakouts', async (req, reply) => {
    noStore(reply);
    const meeting = await ownMeeting(req);
    return { plan: view(meeting.id, await ctx.breakouts.get(meeting.id)) };
  });

  app.put<{ Params: { id: string } }>('/api/meetings/:id/breakouts', async (req, reply) => {
    noStore(reply);
    const meeting = await ownMeeting(req);
    const body = parseBody(PutBreakoutPlanRequest, req.body);
    return { plan: view(meeting.id, await ctx.breakouts.save(meeting.id, body)) };
  });

  app.delete<{ Params: { id: string } }>('/api/meetings/:id/breakouts', async (req, reply) => {
    noStore(reply);
    const meeting = await ownMeeting(req);
    await ctx.breakouts.clear(meeting.id);
    return { ok: true };
  });

  // text/csv is understood by this route only.
  app.register(async (scope) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: BREAKOUT_PLAN_LIMITS.csvBytes }, (_req, body, done) => done(null, body));

    scope.post<{ Params: { id: string } }>(
      '/api/meetings/:id/breakouts/csv',
      {
        bodyLimit: BREAKOUT_PLAN_LIMITS.csvBytes,
        // Someone else's meeting is refused before the file is read.
        onRequest: async (req) => {
          await ownMeeting(req);
        },
      },
      async (req, reply): Promise<CsvImportResult> => {
        noStore(reply);
        const meeting = await ownMeeting(req);
        if (!Buffer.isBuffer(req.body)) throw new AppError('http.invalid_body', 'send the file as text/csv');
        const { people, errors: rowErrors } = parseBreakoutCsv(decodeCsv(req.body));
        if (people.length === 0 && rowErrors.length === 0) throw new AppError('http.invalid_body', 'the file has no rows');
        const current = await ctx.breakouts.get(meeting.id);
        const { draft, accepted, errors: limitErrors } = mergeIntoPlan(current, people);
        let plan = current;
        if (accepted > 0) {
          // The merged plan is checked like one the organiser sends: it is as valid as a PUT.
          const checked = PutBreakoutPlanRequest.safeParse(draft);
          if (!checked.success) throw new AppError('internal', `the imported plan is invalid: ${checked.error.issues[0]?.message ?? ''}`);
          plan = await ctx.breakouts.save(meeting.id, checked.data);
        }
        const errors = [...rowErrors, ...limitErrors].sort((a, b) => a.line - b.line);
        return { plan: view(meeting.id, plan), accepted, errors };
      },
    );
  });
}

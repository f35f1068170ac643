import type { FastifyInstance } from 'fastify';
import { CreateMeetingRequest, UpdateMeetingRequest, type MeetingSettingsView, type MeetingView, type PublicMeetingView } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { newMeetingId } from '../domain/meetingId.ts';
import type { MeetingPolicy } from '../domain/MeetingSettings.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import type { MeetingRecord, MeetingRepository } from '../storage/MeetingRepository.ts';
import type { UserRepository } from '../storage/UserRepository.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';

/** Meetings: create, edit and list one's own (signed in), and the public card behind a link. */
export function meetingRoutes(
  app: FastifyInstance,
  ctx: HttpContext & { meetings: MeetingRepository; users: UserRepository; live: MeetingRegistry; policy: MeetingPolicy },
): void {
  const view = (m: MeetingRecord): MeetingView => {
    const live = ctx.live.get(m.id);
    return {
      id: m.id,
      title: m.title,
      link: new URL(`/m/${m.id}`, ctx.publicUrl).toString(),
      createdAt: m.createdAt,
      live: live !== undefined && !live.ended,
      participantCount: live?.size ?? 0,
      settings: m.settings,
    };
  };
  const checkCapacity = (settings: Partial<MeetingSettingsView> | undefined) => {
    if (settings?.capacity && settings.capacity > ctx.policy.capacity) {
      throw new AppError('http.invalid_body', `settings.capacity: at most ${ctx.policy.capacity} on this deployment`);
    }
  };

  app.post('/api/meetings', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const body = parseBody(CreateMeetingRequest, req.body);
    checkCapacity(body.settings);
    const meeting = await ctx.meetings.create({ id: newMeetingId(), title: body.title, ownerId: user.id, now: new Date(), settings: body.settings });
    reply.code(201);
    return { meeting: view(meeting) };
  });

  app.patch<{ Params: { id: string } }>('/api/meetings/:id', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const body = parseBody(UpdateMeetingRequest, req.body);
    checkCapacity(body.settings);
    const meeting = await ctx.meetings.update(req.params.id, user.id, body);
    if (!meeting) throw new AppError('meeting.not_found', 'you have no meeting with this id');
    return { meeting: view(meeting) };
  });

  app.get('/api/meetings', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meetings = await ctx.meetings.byOwner(user.id);
    return { meetings: meetings.map(view) };
  });

  app.get<{ Params: { id: string } }>('/api/meetings/:id/public', async (req, reply) => {
    noStore(reply);
    const meeting = req.params.id.length <= 64 ? await ctx.meetings.byId(req.params.id) : undefined;
    if (!meeting) throw new AppError('meeting.not_found', 'no meeting has this id');
    const owner = await ctx.users.byId(meeting.ownerId);
    const live = ctx.live.get(meeting.id);
    const card: PublicMeetingView = {
      id: meeting.id,
      title: meeting.title,
      organiser: owner?.name ?? '',
      live: live !== undefined && !live.ended,
      passcodeRequired: meeting.settings.passcode !== null,
    };
    return { meeting: card };
  });
}

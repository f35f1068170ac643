import type { FastifyInstance } from 'fastify';
import {
  CreateMeetingRequest,
  INVITE_TOKEN_PATTERN,
  InviteRequest,
  PollDraft,
  UpdateMeetingRequest,
  type MeetingSettingsView,
  type MeetingView,
  type PublicMeetingView,
} from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { newMeetingId } from '../domain/meetingId.ts';
import type { MeetingPolicy } from '../domain/MeetingSettings.ts';
import type { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import { nextOccurrence } from '../domain/Schedule.ts';
import { invitationIcs, invitationSubject, invitationText, type InvitationInput, type Language } from '../invitations/invitation.ts';
import type { Mailer } from '../ports/Mailer.ts';
import { RateLimiter } from '../RateLimiter.ts';
import { Licences } from '../auth/Licences.ts';
import type { AttendanceRepository } from '../storage/AttendanceRepository.ts';
import type { PollRepository } from '../storage/PollRepository.ts';
import type { MeetingRecord, MeetingRepository } from '../storage/MeetingRepository.ts';
import { attendanceCsv, attendanceReport } from './attendanceReport.ts';
import type { User, UserRepository } from '../storage/UserRepository.ts';
import { noStore, parseBody, requireUser, type HttpContext } from './context.ts';

/**
 * Meetings: create, schedule, edit, delete and list one's own; the personal room; invitations
 * (copy text, .ics, email); and the public card behind a link.
 */
export function meetingRoutes(
  app: FastifyInstance,
  ctx: HttpContext & {
    meetings: MeetingRepository;
    users: UserRepository;
    attendance: AttendanceRepository;
    polls: PollRepository;
    live: MeetingRegistry;
    policy: MeetingPolicy;
    mailer: Mailer | undefined;
  },
): void {
  const inviteLimit = new RateLimiter(200, 3_600_000);
  const linkOf = (id: string) => new URL(`/m/${id}`, ctx.publicUrl).toString();
  const view = (m: MeetingRecord, now = new Date()): MeetingView => {
    const live = ctx.live.get(m.id);
    return {
      id: m.id,
      title: m.title,
      link: linkOf(m.id),
      createdAt: m.createdAt,
      live: live !== undefined && !live.ended,
      participantCount: live?.size ?? 0,
      settings: m.settings,
      description: m.description,
      schedule: m.schedule,
      personal: m.personal,
      nextStart: m.schedule ? (nextOccurrence(m.schedule, now)?.start.toISOString() ?? null) : null,
    };
  };
  const checkCapacity = (settings: Partial<MeetingSettingsView> | undefined) => {
    if (settings?.capacity && settings.capacity > ctx.policy.capacity) {
      throw new AppError('http.invalid_body', `settings.capacity: at most ${ctx.policy.capacity} on this deployment`);
    }
  };
  const ownMeeting = async (id: string, user: User) => {
    const meeting = id.length <= 64 ? await ctx.meetings.byId(id) : undefined;
    if (!meeting || meeting.ownerId !== user.id) throw new AppError('meeting.not_found', 'you have no meeting with this id');
    return meeting;
  };
  const invitation = (m: MeetingRecord, organiser: User): InvitationInput => ({
    meetingId: m.id,
    title: m.title,
    description: m.description,
    link: linkOf(m.id),
    passcode: m.settings.passcode,
    schedule: m.schedule,
    organiser: { name: organiser.name, email: organiser.email },
    domain: ctx.publicUrl.hostname,
    now: new Date(),
  });
  const language = (value: unknown): Language => (value === 'fr' ? 'fr' : 'en');

  app.post('/api/meetings', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    Licences.require(user);
    const body = parseBody(CreateMeetingRequest, req.body);
    checkCapacity(body.settings);
    const meeting = await ctx.meetings.create({
      id: newMeetingId(),
      title: body.title,
      ownerId: user.id,
      now: new Date(),
      // New meetings start with the deployment's waiting room default unless the organiser chose.
      settings: { waitingRoom: ctx.policy.waitingRoomDefault ?? true, ...body.settings },
      description: body.description,
      schedule: body.schedule ?? null,
    });
    reply.code(201);
    return { meeting: view(meeting) };
  });

  app.patch<{ Params: { id: string } }>('/api/meetings/:id', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    Licences.require(user);
    const body = parseBody(UpdateMeetingRequest, req.body);
    checkCapacity(body.settings);
    const meeting = await ctx.meetings.update(req.params.id, user.id, body);
    if (!meeting) throw new AppError('meeting.not_found', 'you have no meeting with this id');
    if (body.settings) ctx.live.get(meeting.id)?.applySettings(meeting.settings);
    return { meeting: view(meeting) };
  });

  app.delete<{ Params: { id: string } }>('/api/meetings/:id', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    // Whoever is in it is sent away first, as when the host ends it.
    ctx.live.get(meeting.id)?.terminate('ended-by-host');
    await ctx.meetings.delete(meeting.id, user.id);
    return { ok: true };
  });

  app.get('/api/meetings', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meetings = await ctx.meetings.byOwner(user.id);
    const now = new Date();
    return { meetings: meetings.map((m) => view(m, now)) };
  });

  /** The organiser's personal room: one stable link, made on first use. */
  app.get('/api/me/personal-room', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    let room = await ctx.meetings.personalRoomOf(user.id);
    if (!room) Licences.require(user);
    if (!room) room = await ctx.meetings.create({ id: newMeetingId(), title: user.name, ownerId: user.id, now: new Date(), personal: true });
    return { meeting: view(room) };
  });

  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>('/api/meetings/:id/invitation', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    return { text: invitationText(invitation(meeting, user), language(req.query.lang)) };
  });

  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>('/api/meetings/:id/invitation.ics', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    const ics = invitationIcs(invitation(meeting, user), language(req.query.lang));
    if (!ics) throw new AppError('http.not_found', 'this meeting has no date, so no calendar entry');
    reply.header('content-disposition', `attachment; filename="${meeting.id}.ics"`);
    return reply.type('text/calendar; charset=utf-8').send(ics);
  });

  app.post<{ Params: { id: string } }>('/api/meetings/:id/invitations', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const body = parseBody(InviteRequest, req.body);
    const meeting = await ownMeeting(req.params.id, user);
    if (!ctx.mailer) throw new AppError('mail.unavailable', 'this Amphi has no mail server configured; copy the invitation instead');
    const recipients = [...new Set(body.emails)];
    for (const _ of recipients) if (!inviteLimit.hit(user.id)) throw new AppError('http.rate_limited', 'too many invitations this hour');
    const input = invitation(meeting, user);
    const ics = invitationIcs(input, body.language);
    for (const to of recipients) {
      await ctx.mailer.send({
        to,
        subject: invitationSubject(input, body.language),
        text: invitationText(input, body.language),
        ...(ics ? { attachments: [{ filename: 'invitation.ics', content: ics, contentType: 'text/calendar; charset=utf-8; method=PUBLISH' }] } : {}),
      });
    }
    return { sent: recipients.length };
  });

  /** Polls prepared before the meeting (organiser only): list, add, remove. */
  app.get<{ Params: { id: string } }>('/api/meetings/:id/polls', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    return { polls: await ctx.polls.list(meeting.id) };
  });

  app.post<{ Params: { id: string } }>('/api/meetings/:id/polls', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const draft = parseBody(PollDraft, req.body);
    const meeting = await ownMeeting(req.params.id, user);
    if ((await ctx.polls.count(meeting.id)) >= 50) throw new AppError('http.invalid_body', 'at most 50 prepared polls per meeting');
    reply.code(201);
    return { poll: await ctx.polls.add(meeting.id, draft) };
  });

  app.delete<{ Params: { id: string; pollId: string } }>('/api/meetings/:id/polls/:pollId', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    if (!(await ctx.polls.remove(meeting.id, req.params.pollId))) throw new AppError('http.not_found', 'no such prepared poll');
    return { ok: true };
  });

  /** The times this meeting was live, newest first (organiser only). */
  app.get<{ Params: { id: string } }>('/api/meetings/:id/sessions', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    return { sessions: await ctx.attendance.sessionsOf(meeting.id) };
  });

  /** Who attended one session: JSON, or CSV with ?format=csv (organiser only). */
  app.get<{ Params: { id: string; sid: string }; Querystring: { format?: string } }>('/api/meetings/:id/sessions/:sid/attendance', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const meeting = await ownMeeting(req.params.id, user);
    const session = await ctx.attendance.session(meeting.id, req.params.sid);
    if (!session) throw new AppError('http.not_found', 'no such session of this meeting');
    const people = attendanceReport(await ctx.attendance.attendanceOf(session.id), new Date());
    if (req.query.format === 'csv') {
      reply.header('content-disposition', `attachment; filename="attendance-${meeting.id}-${session.startedAt.slice(0, 10)}.csv"`);
      return reply.type('text/csv; charset=utf-8').send('\ufeff' + attendanceCsv(people));
    }
    return { session, people };
  });

  app.get<{ Params: { id: string }; Querystring: { invite?: unknown } }>('/api/meetings/:id/public', async (req, reply) => {
    noStore(reply);
    const meeting = req.params.id.length <= 64 ? await ctx.meetings.byId(req.params.id) : undefined;
    if (!meeting) throw new AppError('meeting.not_found', 'no meeting has this id');
    const owner = await ctx.users.byId(meeting.ownerId);
    const live = ctx.live.get(meeting.id);
    // A personal link (?invite=<token>) says who is expected, and where; a token that is not for
    // this meeting is no error, the page just greets nobody in particular.
    const invite = typeof req.query.invite === 'string' && INVITE_TOKEN_PATTERN.test(req.query.invite) ? req.query.invite : undefined;
    const invitee = invite ? (await ctx.meetings.breakoutPlan(meeting.id)).assignments.find((a) => a.token === invite) : undefined;
    const card: PublicMeetingView = {
      id: meeting.id,
      title: meeting.title,
      organiser: owner?.name ?? '',
      live: live !== undefined && !live.ended,
      passcodeRequired: meeting.settings.passcode !== null,
      recording: live !== undefined && !live.ended && live.recording.active,
      invitee: invitee ? { name: invitee.name, room: invitee.room } : null,
    };
    return { meeting: card };
  });
}

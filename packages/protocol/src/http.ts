import { z } from 'zod';
import { MAX_MEETING_TITLE_LENGTH } from './limits.ts';
import { ERROR_CODES } from './errors.ts';

/** Body of POST /api/auth/login. */
export const LoginRequest = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** A signed-in user as the client sees them. */
export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isAdmin: z.boolean(),
});
export type UserView = z.infer<typeof UserView>;

/** How a meeting is set up (see the README's "Meeting options"). */
export const MeetingSettingsView = z.object({
  waitingRoom: z.boolean(),
  muteOnEntry: z.boolean(),
  allowUnmute: z.boolean(),
  allowChat: z.boolean(),
  allowShare: z.boolean(),
  allowRename: z.boolean(),
  capacity: z.number().int().min(2).max(100_000).nullable(),
  passcode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{4,32}$/, '4 to 32 letters or digits')
    .nullable(),
  redirectUrl: z
    .string()
    .trim()
    .max(2000)
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'an http(s) address')
    .nullable(),
});
export type MeetingSettingsView = z.infer<typeof MeetingSettingsView>;

const MeetingTitle = z.string().trim().min(1).max(MAX_MEETING_TITLE_LENGTH);
const Description = z.string().trim().max(4000);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** When a meeting happens, in the organiser's wall-clock time and time zone. */
export const ScheduleView = z
  .object({
    /** Local start, "YYYY-MM-DDTHH:mm". */
    startsAt: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d$/, 'YYYY-MM-DDTHH:mm'),
    timeZone: z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Paris'),
    durationMinutes: z.number().int().min(5).max(24 * 60),
    recurrence: z
      .object({
        freq: z.enum(['daily', 'weekly']),
        /** Last day an occurrence may start on, "YYYY-MM-DD". */
        until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
      })
      .nullable(),
  })
  .refine((s) => !s.recurrence || s.recurrence.until >= s.startsAt.slice(0, 10), { message: 'the recurrence ends before the meeting starts', path: ['recurrence', 'until'] });
export type ScheduleView = z.infer<typeof ScheduleView>;

/** Body of POST /api/meetings. */
export const CreateMeetingRequest = z.object({
  title: MeetingTitle,
  description: Description.optional(),
  /** Absent or null: a meeting without a date ("meet now"). */
  schedule: ScheduleView.nullable().optional(),
  settings: MeetingSettingsView.partial().optional(),
});
export type CreateMeetingRequest = z.infer<typeof CreateMeetingRequest>;

/** Body of PATCH /api/meetings/:id (the organiser only). */
export const UpdateMeetingRequest = z.object({
  title: MeetingTitle.optional(),
  description: Description.optional(),
  schedule: ScheduleView.nullable().optional(),
  settings: MeetingSettingsView.partial().optional(),
});

/** Body of POST /api/meetings/:id/invitations. */
export const InviteRequest = z.object({
  emails: z.array(z.string().trim().toLowerCase().email().max(254)).min(1).max(50),
  language: z.enum(['en', 'fr']),
});
export type InviteRequest = z.infer<typeof InviteRequest>;
export type UpdateMeetingRequest = z.infer<typeof UpdateMeetingRequest>;

/** A meeting as its organiser sees it. */
export const MeetingView = z.object({
  id: z.string(),
  title: z.string(),
  link: z.string(),
  createdAt: z.string(),
  live: z.boolean(),
  participantCount: z.number().int(),
  settings: MeetingSettingsView,
  description: z.string(),
  schedule: ScheduleView.nullable(),
  /** The organiser's personal room (stable link, no date). */
  personal: z.boolean(),
  /** Start of the next occurrence not yet over (ISO, UTC), null when none or unscheduled. */
  nextStart: z.string().nullable(),
});
export type MeetingView = z.infer<typeof MeetingView>;

/** What anyone holding the link learns before joining (GET /api/meetings/:id/public). */
export const PublicMeetingView = z.object({
  id: z.string(),
  title: z.string(),
  organiser: z.string(),
  live: z.boolean(),
  passcodeRequired: z.boolean(),
});
export type PublicMeetingView = z.infer<typeof PublicMeetingView>;

/** One time a meeting was live (GET /api/meetings/:id/sessions). */
export const SessionView = z.object({ id: z.string(), startedAt: z.string(), endedAt: z.string().nullable(), people: z.number().int() });
export type SessionView = z.infer<typeof SessionView>;

/** One person in the attendance report: their stays in one session added up. */
export const AttendeeView = z.object({
  name: z.string(),
  role: z.string(),
  signedIn: z.boolean(),
  firstJoinedAt: z.string(),
  lastLeftAt: z.string().nullable(),
  totalMinutes: z.number(),
  stays: z.number().int(),
});
export type AttendeeView = z.infer<typeof AttendeeView>;

/** Every HTTP error body. */
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * Header that every state-changing API request must carry. A cross-site form or fetch cannot
 * set it without a CORS preflight, which Amphi never grants: that is the CSRF defence.
 */
export const CSRF_HEADER = 'x-amphi-csrf';

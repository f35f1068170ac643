import { z } from 'zod';
import { MAX_COHOSTS, MAX_MEETING_TITLE_LENGTH } from './limits.ts';
import { ERROR_CODES } from './errors.ts';

/** Body of POST /api/auth/login. */
export const LoginRequest = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/**
 * Answer of GET /api/auth/providers: the single sign-on providers the sign-in page offers. A
 * sign-in starts by navigating to /auth/sso/<id>/login?next=<path>; failures come back to the
 * sign-in page as /?ssoError=<error code>.
 */
export const SsoProvidersResponse = z.object({
  providers: z.array(z.object({ id: z.string(), label: z.string() })),
});
export type SsoProvidersResponse = z.infer<typeof SsoProvidersResponse>;

/** A signed-in user as the client sees them. */
export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  isAdmin: z.boolean(),
  /** May record meetings to the cloud. */
  isStaff: z.boolean(),
  /** Holds a named host licence: may schedule and host meetings. */
  licensed: z.boolean(),
});
export type UserView = z.infer<typeof UserView>;

/** Body of POST /api/admin/users (administrators only): a local account. */
export const CreateUserRequest = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  name: z.string().trim().min(1).max(100),
  password: z.string().min(12, 'at least 12 characters').max(1024),
  /** Staff may record meetings to the cloud. */
  staff: z.boolean(),
  /** Grant a host licence at once (default), within the pool. */
  licensed: z.boolean().default(true),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

/** Body of PATCH /api/admin/users/:id (administrators only). */
export const UpdateUserRequest = z.object({ staff: z.boolean().optional(), licensed: z.boolean().optional() }).strict();
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

/** A person as the admin console lists them. */
export const PersonView = UserView.extend({ createdAt: z.string(), hasPassword: z.boolean() });
export type PersonView = z.infer<typeof PersonView>;

/** GET /api/admin/people. */
export const PeopleResponse = z.object({ people: z.array(PersonView), licences: z.object({ used: z.number(), pool: z.number() }) });
export type PeopleResponse = z.infer<typeof PeopleResponse>;

/** One line of the audit log. */
export const AuditEntryView = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string().nullable(), name: z.string() }),
  action: z.string(),
  target: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

/** How a meeting is set up (see the README's "Meeting options"). */
export const MeetingSettingsView = z.object({
  waitingRoom: z.boolean(),
  /** With the waiting room on, signed-in people wait too: all but the organiser and `cohosts`. */
  waitingRoomEveryone: z.boolean(),
  /** Accounts, by email, who come in as co-hosts without waiting (an interview panel). */
  cohosts: z
    .array(z.string().trim().toLowerCase().max(254).email())
    .max(MAX_COHOSTS)
    .transform((emails) => [...new Set(emails)]),
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
  /** The meeting is being recorded right now: people are told before they join. */
  recording: z.boolean(),
  /**
   * Who the personal invitation link (?invite=<token>) was made for, and their breakout room;
   * null without a token, or with one that is not for this meeting.
   */
  invitee: z.object({ name: z.string(), room: z.string() }).nullable(),
});
export type PublicMeetingView = z.infer<typeof PublicMeetingView>;

/** The secret of a personal invitation link (/m/<id>?invite=<token>): 24 random bytes, base64url. */
export const INVITE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** The most a breakout plan prepared before the meeting holds. */
export const BREAKOUT_PLAN_LIMITS = { rooms: 50, roomName: 60, people: 1000, personName: 64, csvBytes: 256 * 1024 } as const;

const BreakoutRoomName = z.string().trim().min(1).max(BREAKOUT_PLAN_LIMITS.roomName);
const PlannedPersonName = z.string().trim().min(1).max(BREAKOUT_PLAN_LIMITS.personName);
/** Absent or blank: no email (a guest known by name only). */
const PlannedEmail = z.preprocess(
  (v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? null : v),
  z.string().trim().toLowerCase().email().max(254).nullable(),
);

/** One person of a breakout plan as the organiser writes it; the server keeps their token. */
export const BreakoutAssignmentDraft = z.object({ name: PlannedPersonName, email: PlannedEmail, room: BreakoutRoomName });
export type BreakoutAssignmentDraft = z.infer<typeof BreakoutAssignmentDraft>;

/**
 * Body of PUT /api/meetings/:id/breakouts: the whole plan, replacing the previous one. Room names
 * are unique whatever their case; each person's room is one of them (matched whatever the case,
 * stored with the room's spelling); an email appears once. People keep their token (and so their
 * link) when they are matched to the previous plan by email, else by name.
 */
export const PutBreakoutPlanRequest = z
  .object({
    rooms: z.array(BreakoutRoomName).min(1).max(BREAKOUT_PLAN_LIMITS.rooms),
    assignments: z.array(BreakoutAssignmentDraft).max(BREAKOUT_PLAN_LIMITS.people),
  })
  .superRefine((plan, ctx) => {
    const rooms = new Set<string>();
    plan.rooms.forEach((room, i) => {
      const key = room.toLowerCase();
      if (rooms.has(key)) ctx.addIssue({ code: 'custom', path: ['rooms', i], message: `"${room}" is there twice` });
      rooms.add(key);
    });
    const emails = new Set<string>();
    plan.assignments.forEach((a, i) => {
      if (!rooms.has(a.room.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['assignments', i, 'room'], message: `"${a.room}" is not one of the rooms` });
      if (a.email !== null && emails.has(a.email)) ctx.addIssue({ code: 'custom', path: ['assignments', i, 'email'], message: `${a.email} is there twice` });
      if (a.email !== null) emails.add(a.email);
    });
  })
  .transform((plan) => {
    const spelling = new Map(plan.rooms.map((r) => [r.toLowerCase(), r]));
    return { rooms: plan.rooms, assignments: plan.assignments.map((a) => ({ ...a, room: spelling.get(a.room.toLowerCase()) ?? a.room })) };
  });
export type PutBreakoutPlanRequest = z.infer<typeof PutBreakoutPlanRequest>;

/** One person of a saved plan, with their personal link (token and link are the server's). */
export const BreakoutAssignmentView = z.object({
  name: z.string(),
  email: z.string().nullable(),
  room: z.string(),
  token: z.string().regex(INVITE_TOKEN_PATTERN),
  /** <publicUrl>/m/<meetingId>?invite=<token>: who holds it joins as this person, into their room. */
  link: z.string(),
});
export type BreakoutAssignmentView = z.infer<typeof BreakoutAssignmentView>;

/** The breakout plan of a meeting (GET/PUT /api/meetings/:id/breakouts); no rooms when none is prepared. */
export const BreakoutPlanView = z.object({
  rooms: z.array(z.string()).max(BREAKOUT_PLAN_LIMITS.rooms),
  assignments: z.array(BreakoutAssignmentView).max(BREAKOUT_PLAN_LIMITS.people),
});
export type BreakoutPlanView = z.infer<typeof BreakoutPlanView>;

/** Why a CSV row was left out (the message says it in English, with the details). */
export const CSV_ROW_PROBLEMS = ['missing_name', 'bad_email', 'missing_room', 'duplicate_email', 'name_too_long', 'room_too_long', 'too_many_rooms', 'too_many_people'] as const;
export type CsvRowProblem = (typeof CSV_ROW_PROBLEMS)[number];

/** Answer of POST /api/meetings/:id/breakouts/csv: the plan as saved, and the rows left out. */
export const CsvImportResult = z.object({
  plan: BreakoutPlanView,
  /** Rows added to or updating the plan. */
  accepted: z.number().int(),
  /** One per row left out; `line` is where the row starts in the file (1 = the first line). */
  errors: z.array(z.object({ line: z.number().int(), message: z.string(), problem: z.enum(CSV_ROW_PROBLEMS) })),
});
export type CsvImportResult = z.infer<typeof CsvImportResult>;

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

/** A cloud recording in the recordings library (GET /api/recordings). */
export const RecordingView = z.object({
  id: z.string(),
  meetingId: z.string(),
  title: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** recording → processing → ready (the MP4 can be played) or failed. */
  status: z.enum(['recording', 'processing', 'ready', 'failed']),
  durationS: z.number().nullable(),
  bytes: z.number().nullable(),
  /** When it will be deleted automatically (ISO, UTC); null until it is ready. */
  expiresAt: z.string().nullable(),
  /** Who made it (the administrators' list shows everyone's). */
  ownerName: z.string(),
});
export type RecordingView = z.infer<typeof RecordingView>;

/**
 * Answer of GET /api/recordings: one's own recordings, newest first, or everyone's with ?all=1
 * (administrators); totalBytes adds up the MP4s listed.
 */
export const RecordingListResponse = z.object({ recordings: z.array(RecordingView), totalBytes: z.number() });
export type RecordingListResponse = z.infer<typeof RecordingListResponse>;

/** What a link to a cloud recording may carry (POST /api/recordings/:id/shares). */
export const RECORDING_SHARE_LIMITS = { passcodeMin: 4, passcodeMax: 64, expiryDaysMax: 365, perRecording: 50 } as const;

/**
 * The secret of a recording's share link (/r/<token>): 24 random bytes, base64url. It is also the
 * share's id in the owner's API.
 */
export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/**
 * Body of POST /api/recordings/:id/shares (owner or administrator). No passcode: anyone with the
 * link can watch. No expiry: the link works until it is stopped or the recording is deleted.
 */
export const CreateRecordingShareRequest = z.object({
  passcode: z.string().trim().min(RECORDING_SHARE_LIMITS.passcodeMin).max(RECORDING_SHARE_LIMITS.passcodeMax).optional(),
  expiresInDays: z.number().int().min(1).max(RECORDING_SHARE_LIMITS.expiryDaysMax).optional(),
});
export type CreateRecordingShareRequest = z.infer<typeof CreateRecordingShareRequest>;

/** A link to a recording as its owner sees it (the passcode itself is never shown again). */
export const RecordingShareView = z.object({
  /** The token of the link; DELETE /api/recordings/:id/shares/:shareId stops it. */
  id: z.string(),
  /** `<public URL>/r/<token>`: the page anyone with the link can open. */
  url: z.string(),
  hasPasscode: z.boolean(),
  /** When the link stops working (ISO, UTC); null: when it is stopped or the recording deleted. */
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
});
export type RecordingShareView = z.infer<typeof RecordingShareView>;

/** Answer of POST /api/recordings/:id/shares. */
export const RecordingShareResponse = z.object({ share: RecordingShareView });
export type RecordingShareResponse = z.infer<typeof RecordingShareResponse>;

/** Answer of GET /api/recordings/:id/shares: the links that still work, newest first. */
export const RecordingShareListResponse = z.object({ shares: z.array(RecordingShareView) });
export type RecordingShareListResponse = z.infer<typeof RecordingShareListResponse>;

/**
 * What anyone holding a share link learns (GET /api/shared-recordings/:token, no account). An
 * unknown, stopped or expired link, or one whose recording was deleted, is answered alike
 * (`http.not_found`).
 */
export const SharedRecordingView = z.object({
  title: z.string(),
  startedAt: z.string(),
  /** Absent when the length is not known. */
  durationSeconds: z.number().optional(),
  /** The link has a passcode… */
  needsPasscode: z.boolean(),
  /** …and this browser has given it (or there is none): GET …/file plays the video. */
  unlocked: z.boolean(),
});
export type SharedRecordingView = z.infer<typeof SharedRecordingView>;

/** Body of POST /api/shared-recordings/:token/unlock. */
export const UnlockSharedRecordingRequest = z.object({ passcode: z.string().trim().min(1).max(256) });
export type UnlockSharedRecordingRequest = z.infer<typeof UnlockSharedRecordingRequest>;

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

/** Who may record meetings to the cloud: staff hosts (the service sheet's rule), any signed-in host, or nobody. */
export const CloudRecordingPolicy = z.enum(['staff', 'hosts', 'off']);
export type CloudRecordingPolicy = z.infer<typeof CloudRecordingPolicy>;

/** The product's look: name, accent colour, and whether a logo was uploaded (GET /api/branding/logo). */
export const BrandingView = z.object({
  productName: z.string().trim().min(1).max(40),
  accentColour: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #1f6feb'),
  hasLogo: z.boolean(),
});
export type BrandingView = z.infer<typeof BrandingView>;

/** What the deployment decides (admin console, GET/PUT /api/admin/policies). */
export const DeploymentPoliciesView = z.object({
  /** Largest meeting. */
  capacity: z.number().int().min(2).max(100_000),
  cloudRecording: CloudRecordingPolicy,
  /** Days a cloud recording is kept (for recordings made from then on). */
  retentionDays: z.number().int().min(1).max(3650),
  /** The waiting room setting new meetings start with. */
  waitingRoomDefault: z.boolean(),
  branding: BrandingView,
});
export type DeploymentPoliciesView = z.infer<typeof DeploymentPoliciesView>;

/** Body of PUT /api/admin/policies: any of the policies, the others unchanged. */
export const UpdatePoliciesRequest = DeploymentPoliciesView.omit({ branding: true })
  .extend({ branding: BrandingView.omit({ hasLogo: true }).partial().strict() })
  .partial()
  .strict();
export type UpdatePoliciesRequest = z.infer<typeof UpdatePoliciesRequest>;

/** A meeting going on now, as the admin console lists it. */
export const LiveMeetingAdminView = z.object({
  id: z.string(),
  title: z.string(),
  participants: z.array(z.object({ name: z.string(), role: z.string() })),
  waiting: z.number(),
  recording: z.boolean(),
});
export type LiveMeetingAdminView = z.infer<typeof LiveMeetingAdminView>;

/**
 * A server allowed to call Amphi's BigBlueButton-compatible API (a Moodle site), as the admin
 * console shows it: what to paste into Moodle (the server URL and the shared secret).
 */
export const BbbConsumerView = z.object({
  id: z.string(),
  name: z.string(),
  /** Moodle's "BigBlueButton server URL": <publicUrl>/bigbluebutton/ */
  serverUrl: z.string(),
  secret: z.string(),
  createdAt: z.string(),
});
export type BbbConsumerView = z.infer<typeof BbbConsumerView>;

/** Body of POST /api/admin/bbb-consumers. */
export const CreateBbbConsumerRequest = z.object({ name: z.string().trim().min(1).max(100) });
export type CreateBbbConsumerRequest = z.infer<typeof CreateBbbConsumerRequest>;

/** A learning platform registered as an LTI 1.3 platform of Amphi (admin console, "LTI 1.3"). */
export const LtiRegistrationView = z.object({
  id: z.string(),
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  deploymentIds: z.array(z.string()),
  authUrl: z.string(),
  jwksUrl: z.string(),
  tokenUrl: z.string(),
  createdAt: z.string(),
});
export type LtiRegistrationView = z.infer<typeof LtiRegistrationView>;

const HttpsUrl = z.string().trim().url().max(2000).refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

/** Body of POST /api/admin/lti/registrations: what Moodle shows in "View configuration details". */
export const CreateLtiRegistrationRequest = z.object({
  name: z.string().trim().min(1).max(100),
  /** Moodle's "Platform ID" (its wwwroot, no trailing slash). */
  issuer: z.string().trim().min(1).max(2000),
  clientId: z.string().trim().min(1).max(255),
  deploymentIds: z.array(z.string().trim().min(1).max(255)).min(1).max(50),
  authUrl: HttpsUrl,
  jwksUrl: HttpsUrl,
  tokenUrl: HttpsUrl,
});
export type CreateLtiRegistrationRequest = z.infer<typeof CreateLtiRegistrationRequest>;

/** The values an LMS administrator pastes into the platform's tool registration. */
export const LtiToolView = z.object({
  toolUrl: z.string(),
  initiateLoginUrl: z.string(),
  redirectionUris: z.array(z.string()),
  publicKeysetUrl: z.string(),
  deepLinkingUrl: z.string(),
});
export type LtiToolView = z.infer<typeof LtiToolView>;

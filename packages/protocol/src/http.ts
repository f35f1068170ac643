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

/** Body of POST /api/meetings. */
export const CreateMeetingRequest = z.object({
  title: MeetingTitle,
  settings: MeetingSettingsView.partial().optional(),
});
export type CreateMeetingRequest = z.infer<typeof CreateMeetingRequest>;

/** Body of PATCH /api/meetings/:id (the organiser only). */
export const UpdateMeetingRequest = z.object({
  title: MeetingTitle.optional(),
  settings: MeetingSettingsView.partial().optional(),
});
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

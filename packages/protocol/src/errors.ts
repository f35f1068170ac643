/**
 * The catalogue of stable error codes shared by the HTTP API and the signaling protocol.
 * Clients branch on `code`, never on message text. docs/errors.md documents every code
 * (a unit test keeps the two in step).
 */
export const ERROR_CODES = [
  // The peer sent something we could not read or did not expect (its fault, connection stays open).
  'protocol.malformed',
  'protocol.unknown_type',
  'protocol.invalid',
  'protocol.too_large',
  'protocol.rate_limited',
  'protocol.too_many_connections',
  'protocol.out_of_order',
  // Meetings
  'meeting.not_found',
  'meeting.ended',
  'meeting.full',
  'meeting.locked',
  'meeting.removed',
  'meeting.passcode_required',
  'meeting.passcode_wrong',
  'meeting.passcode_locked',
  'meeting.browser_unknown',
  'meeting.not_participant',
  // Resuming after a lost connection
  'resume.invalid',
  'resume.expired',
  // The server itself
  'server.restarting',
  // Who you are and what you may do
  'auth.unauthenticated',
  'auth.invalid_credentials',
  'auth.forbidden',
  // Host licences
  'licence.required',
  'licence.pool_full',
  // Single sign-on (OIDC today; SAML and CAS later): why a sign-in at the university's provider failed
  'auth.sso_denied',
  'auth.sso_state',
  'auth.sso_token',
  'auth.sso_profile',
  'auth.sso_unavailable',
  // LTI 1.3: why a launch from a learning platform (Moodle) was refused
  'lti.launch_refused',
  'lti.unavailable',
  // HTTP edge
  'http.invalid_body',
  'http.not_found',
  'http.csrf',
  'http.rate_limited',
  // Media plane
  'media.unavailable',
  'media.negotiation_failed',
  // Email
  'mail.unavailable',
  'mail.failed',
  // Presented documents
  'document.unsupported',
  'document.too_large',
  'document.encrypted',
  'document.malformed',
  'document.not_found',
  // Annotations
  'annotation.full',
  // Polls
  'poll.already_voted',
  // Cloud recording
  'recording.disk_full',
  'recording.passcode_required',
  'recording.passcode_wrong',
  // Our fault
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

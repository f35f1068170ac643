import type { ErrorCode } from '@amphi/protocol';

/**
 * The one error type of the server. `code` is stable and documented; `message` is for people.
 * Edges map codes to HTTP statuses (httpStatusOf) or send them as signaling `error` messages.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  'protocol.malformed': 400,
  'protocol.unknown_type': 400,
  'protocol.invalid': 400,
  'protocol.too_large': 413,
  'protocol.rate_limited': 429,
  'protocol.too_many_connections': 429,
  'protocol.out_of_order': 409,
  'meeting.not_found': 404,
  'meeting.ended': 410,
  'meeting.full': 403,
  'meeting.locked': 403,
  'meeting.removed': 403,
  'meeting.passcode_required': 401,
  'meeting.passcode_wrong': 403,
  'meeting.passcode_locked': 429,
  'meeting.browser_unknown': 403,
  'meeting.not_participant': 404,
  'resume.invalid': 403,
  'resume.expired': 410,
  'server.restarting': 503,
  'auth.unauthenticated': 401,
  'auth.invalid_credentials': 401,
  'auth.forbidden': 403,
  'licence.required': 403,
  'licence.pool_full': 409,
  'auth.sso_denied': 403,
  'auth.sso_state': 400,
  'auth.sso_token': 401,
  'auth.sso_profile': 422,
  'auth.sso_unavailable': 502,
  'lti.launch_refused': 401,
  'lti.unavailable': 502,
  'http.invalid_body': 400,
  'http.not_found': 404,
  'http.csrf': 403,
  'http.rate_limited': 429,
  'media.unavailable': 503,
  'media.negotiation_failed': 502,
  'mail.unavailable': 503,
  'mail.failed': 502,
  'document.unsupported': 415,
  'document.too_large': 413,
  'document.encrypted': 422,
  'document.malformed': 422,
  'document.not_found': 404,
  'annotation.full': 409,
  'poll.already_voted': 409,
  'recording.disk_full': 507,
  'recording.passcode_required': 401,
  'recording.passcode_wrong': 403,
  internal: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/** Turns anything thrown into an AppError; unknown failures become `internal` and keep their cause. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('internal', 'internal error', { cause: err });
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

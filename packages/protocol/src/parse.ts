import { ClientMessage, CLIENT_MESSAGE_TYPES, ErrorMessage } from './signaling.ts';
import type { ErrorCode } from './errors.ts';
import { MAX_SIGNALING_MESSAGE_BYTES } from './limits.ts';

export type ParseResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; message: string; rid?: number };

/**
 * Reads one signaling frame from a client. Never throws: every failure is a typed error
 * the server sends back, and the request id is recovered when it can be so the client
 * can match the error to its request.
 */
export function parseClientMessage(raw: string | Buffer): ParseResult<ClientMessage> {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_SIGNALING_MESSAGE_BYTES) {
    return { ok: false, code: 'protocol.too_large', message: `message of ${size} bytes exceeds ${MAX_SIGNALING_MESSAGE_BYTES}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, code: 'protocol.malformed', message: 'message is not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, code: 'protocol.malformed', message: 'message is not a JSON object' };
  }
  const record = data as Record<string, unknown>;
  // Recovered only if the `error` reply may carry it (same bounds as a request id).
  const recovered = ErrorMessage.shape.rid.safeParse(record.rid);
  const rid = recovered.success ? recovered.data : undefined;
  const type = record.type;
  if (typeof type !== 'string' || !(CLIENT_MESSAGE_TYPES as string[]).includes(type)) {
    return { ok: false, code: 'protocol.unknown_type', message: `unknown message type ${JSON.stringify(type)?.slice(0, 40)}`, ...(rid !== undefined ? { rid } : {}) };
  }
  const parsed = ClientMessage.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || type;
    return { ok: false, code: 'protocol.invalid', message: `invalid ${type}: ${where}: ${issue?.message ?? 'bad value'}`, ...(rid !== undefined ? { rid } : {}) };
  }
  return { ok: true, message: parsed.data };
}

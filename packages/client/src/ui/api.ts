import type { z } from 'zod';
import { CSRF_HEADER, ErrorBody, type ErrorCode } from '@amphi/protocol';

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | 'network',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A body sent as it is (a file), with its content type, instead of JSON. */
export interface RawBody {
  raw: BodyInit;
  contentType: string;
}

/**
 * Calls Amphi's HTTP API: JSON in (or a raw body such as a CSV file) and JSON out, the CSRF
 * header on every call, typed errors.
 */
export async function api<S extends z.ZodType>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
  let res: Response;
  const raw = isRawBody(body) ? body : undefined;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { [CSRF_HEADER]: '1', ...(raw ? { 'content-type': raw.contentType } : body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: raw ? raw.raw : body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError('network', String(err), 0);
  }
  const data: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(data);
    if (parsed.success) throw new ApiError(parsed.data.error.code, parsed.data.error.message, res.status);
    throw new ApiError('internal', `HTTP ${res.status}`, res.status);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ApiError('internal', 'unexpected answer from the server', res.status);
  return parsed.data;
}

function isRawBody(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && 'raw' in body && 'contentType' in body;
}

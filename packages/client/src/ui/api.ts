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

/** Calls Amphi's HTTP API: JSON in and out, the CSRF header on every call, typed errors. */
export async function api<S extends z.ZodType>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { [CSRF_HEADER]: '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
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

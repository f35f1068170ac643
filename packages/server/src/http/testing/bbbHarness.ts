import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { MeetingRegistry } from '../../domain/MeetingRegistry.ts';
import { FakeMediaBackend } from '../../domain/testing/fakes.ts';
import type { Storage } from '../../storage/Storage.ts';
import { freshApp, organiser } from './httpHarness.ts';

/** The made-up secret of the test vectors in shared/notes/moodle.md A.2. */
export const SECRET = 'amphi-test-secret-0123456789abcdef';

/** An app with one BBB API consumer, a registry over fake media (joins work), and recorded callbacks. */
export interface Bed {
  app: FastifyInstance;
  storage: Storage;
  live: MeetingRegistry;
  calls: { url: string; init: RequestInit | undefined }[];
}

export async function bed(t: TestContext, opts: { now?: () => number } = {}): Promise<Bed> {
  const calls: Bed['calls'] = [];
  const bbbFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response('ok', { status: 202 });
  }) as typeof fetch;
  const { app, storage, live } = await freshApp(t, { media: new FakeMediaBackend(), deps: { bbbFetch, bbbTickMs: 20, bbbNow: opts.now } });
  // The consumer of the notes' vectors, with its service account holding a licence.
  const service = await organiser(storage, { email: 'bbb-test@consumers.amphi.invalid', name: 'Moodle (BigBlueButton API)', passwordHash: null, isAdmin: false, isStaff: true });
  await storage.bbb.createConsumer({ id: 'c1', name: 'Moodle', secret: SECRET, serviceUserId: service.id, createdAt: new Date().toISOString() });
  return { app, storage, live, calls };
}


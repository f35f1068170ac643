import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SessionService } from '../../auth/SessionService.ts';
import { MeetingRegistry } from '../../domain/MeetingRegistry.ts';
import { FakeMediaBackend, flush } from '../../domain/testing/fakes.ts';
import { createLogger } from '../../Logger.ts';
import { Storage } from '../../storage/Storage.ts';
import { buildHttpApp } from '../buildHttpApp.ts';
import { organiser, POLICY, PUBLIC_URL } from './httpHarness.ts';

/** The made-up secret of the test vectors in shared/notes/moodle.md A.2. */
export const SECRET = 'amphi-test-secret-0123456789abcdef';

/** An app with one BBB API consumer, a registry over fake media (joins work), and recorded callbacks. */
export interface Bed {
  app: FastifyInstance;
  storage: Storage;
  live: MeetingRegistry;
  calls: { url: string; init: RequestInit | undefined }[];
}

export async function bed(t: TestContext): Promise<Bed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-bbb-'));
  const storage = await Storage.open({ kind: 'sqlite', file: path.join(dir, 'amphi.sqlite') });
  const log = createLogger('silent');
  const live = new MeetingRegistry(new FakeMediaBackend(), storage.meetings, { ...POLICY }, [], log);
  const calls: Bed['calls'] = [];
  const bbbFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response('ok', { status: 202 });
  }) as typeof fetch;
  const recordingsDir = path.join(dir, 'recordings');
  fs.mkdirSync(recordingsDir);
  const app = await buildHttpApp({ storage, sessions: new SessionService(storage.sessions, storage.users), live, publicUrl: new URL(PUBLIC_URL), policy: { ...POLICY }, clientDir: undefined, log, recordingsDir, bbbFetch, bbbTickMs: 20 });
  // The consumer of the notes' vectors, with its service account holding a licence.
  const service = await organiser(storage, { email: 'bbb-test@consumers.amphi.invalid', name: 'Moodle (BigBlueButton API)', passwordHash: null, isAdmin: false, isStaff: true });
  await storage.bbb.createConsumer({ id: 'c1', name: 'Moodle', secret: SECRET, serviceUserId: service.id, createdAt: new Date().toISOString() });
  t.after(async () => {
    live.shutdown();
    await flush();
    await app.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { app, storage, live, calls };
}


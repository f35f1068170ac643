import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SessionService } from '../../auth/SessionService.ts';
import { MeetingRegistry } from '../../domain/MeetingRegistry.ts';
import type { MeetingPolicy } from '../../domain/MeetingSettings.ts';
import { createLogger } from '../../Logger.ts';
import type { MediaBackend, MediaBackendEvents, MediaRoom } from '../../ports/MediaBackend.ts';
import { Storage } from '../../storage/Storage.ts';
import { TypedEmitter } from '../../TypedEmitter.ts';
import { buildHttpApp } from '../buildHttpApp.ts';

/** HTTP tests never open media: reaching this backend is a bug in the test or the route. */
export class UnreachableMedia extends TypedEmitter<MediaBackendEvents> implements MediaBackend {
  readonly available = true;
  async openRoom(): Promise<MediaRoom> {
    throw new Error('HTTP tests must not open media rooms');
  }
  async close(): Promise<void> {}
}

export const PUBLIC_URL = 'http://amphi.test';
export const PASSWORD = 'correct horse battery staple';
export const POLICY: MeetingPolicy = { capacity: 300, redirectUrl: null };

/** A fresh app (requests are injected) on a fresh SQLite database, torn down when the test ends. */
export async function freshApp(t: TestContext, publicUrl = PUBLIC_URL, policy: MeetingPolicy = POLICY): Promise<{ app: FastifyInstance; storage: Storage; sessions: SessionService }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-http-'));
  const storage = await Storage.open({ kind: 'sqlite', file: path.join(dir, 'amphi.sqlite') });
  const sessions = new SessionService(storage.sessions, storage.users);
  const log = createLogger('silent');
  const live = new MeetingRegistry(new UnreachableMedia(), storage.meetings, policy, [], log);
  const app = await buildHttpApp({ storage, sessions, live, publicUrl: new URL(publicUrl), policy, clientDir: undefined, log });
  t.after(async () => {
    await app.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { app, storage, sessions };
}

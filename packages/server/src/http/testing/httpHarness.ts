import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CSRF_HEADER } from '@amphi/protocol';
import { SessionService } from '../../auth/SessionService.ts';
import type { SsoSignIn } from '../../auth/sso/SsoSignIn.ts';
import type { LicencePolicy } from '../../auth/Licences.ts';
import { MeetingRegistry } from '../../domain/MeetingRegistry.ts';
import type { MeetingPolicy } from '../../domain/MeetingSettings.ts';
import { createLogger } from '../../Logger.ts';
import type { MediaBackend, MediaBackendEvents, MediaRoom } from '../../ports/MediaBackend.ts';
import { Storage } from '../../storage/Storage.ts';
import type { User } from '../../storage/UserRepository.ts';
import { TypedEmitter } from '../../TypedEmitter.ts';
import { buildHttpApp, type HttpDeps } from '../buildHttpApp.ts';
import { flush } from '../../domain/testing/fakes.ts';

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

export interface FreshAppOptions {
  publicUrl?: string;
  policy?: MeetingPolicy;
  licencePolicy?: LicencePolicy;
  /** Makes the app's single sign-on from the fresh storage. */
  sso?: (storage: Storage) => SsoSignIn;
  /** Media for tests whose people join live meetings (default: opening media is a bug). */
  media?: MediaBackend;
  /** Further dependencies of the app (stand-ins for outgoing HTTP…). */
  deps?: Partial<HttpDeps>;
}

/** A fresh app (requests are injected) on a fresh SQLite database, torn down when the test ends. */
export async function freshApp(t: TestContext, options: FreshAppOptions = {}): Promise<{ app: FastifyInstance; storage: Storage; sessions: SessionService; live: MeetingRegistry; recordingsDir: string }> {
  // A copy: administrators change the deployment's policies in place, and tests must not see each
  // other's. The registry and the routes share it, as in the running app.
  const policy = { ...(options.policy ?? POLICY) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-http-'));
  const storage = await Storage.open({ kind: 'sqlite', file: path.join(dir, 'amphi.sqlite') });
  const sessions = new SessionService(storage.sessions, storage.users);
  const log = createLogger('silent');
  const live = new MeetingRegistry(options.media ?? new UnreachableMedia(), storage.meetings, policy, [], log);
  // An empty recordings folder of its own, for the recordings library.
  const recordingsDir = path.join(dir, 'recordings');
  fs.mkdirSync(recordingsDir);
  const app = await buildHttpApp({
    storage,
    sessions,
    live,
    publicUrl: new URL(options.publicUrl ?? PUBLIC_URL),
    policy,
    client: undefined,
    log,
    recordingsDir,
    licencePolicy: options.licencePolicy,
    sso: options.sso?.(storage),
    ...options.deps,
  });
  t.after(async () => {
    live.shutdown();
    await flush();
    await app.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { app, storage, sessions, live, recordingsDir };
}

export const CSRF = { [CSRF_HEADER]: '1' };

/** An account holding a host licence, as an administrator would make it: it schedules and hosts. */
export async function organiser(storage: Storage, input: Parameters<Storage['users']['create']>[0]): Promise<User> {
  const user = await storage.users.create(input);
  await storage.licences.grant(user.id, null, 0);
  return { ...user, licensed: true };
}

/** Signs in through the API; returns the session cookie ("amphi_session=…") for later requests. */
export async function signIn(app: FastifyInstance, email: string, password = PASSWORD): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: CSRF, payload: { email, password } });
  assert.equal(res.statusCode, 200, res.body);
  const header = res.headers['set-cookie'];
  const cookie = (Array.isArray(header) ? header : [header ?? '']).find((c) => c.startsWith('amphi_session='));
  assert.ok(cookie, 'sign-in sets the session cookie');
  return cookie.split(';')[0]!;
}

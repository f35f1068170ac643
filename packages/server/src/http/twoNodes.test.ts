// Two Amphi nodes over one database and one Redis (issue 16, ADR 8), in one test process: a
// Moodle LTI launch that starts at one node finishes at the other, its state and nonce used once
// across both, and the join link one node issues is redeemed at the other, once. Against the LTI
// test platform (a child process) and the throwaway Redis that `./amphi test` starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { hiddenFields, STUDENT, TEACHER, startLtiPlatform, type TestPlatform } from '../../../../tests/fixtures/ltiPlatform.ts';
import { computeChecksum } from '../auth/bbb/checksum.ts';
import { hashPassword } from '../auth/passwords.ts';
import { SessionService } from '../auth/SessionService.ts';
import { MeetingRegistry } from '../domain/MeetingRegistry.ts';
import { FakeMediaBackend, flush } from '../domain/testing/fakes.ts';
import { createLogger } from '../Logger.ts';
import { RedisOneTimeStore } from '../shared/RedisOneTimeStore.ts';
import { Storage } from '../storage/Storage.ts';
import { buildHttpApp } from './buildHttpApp.ts';
import { CSRF, PASSWORD, POLICY, PUBLIC_URL, signIn } from './testing/httpHarness.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let platform: TestPlatform;
before(async () => {
  platform = await startLtiPlatform({ toolLoginUrl: `${PUBLIC_URL}/lti/login`, toolLaunchUrl: `${PUBLIC_URL}/lti/launch` });
});
after(async () => {
  await platform?.close();
});

interface AmphiNode {
  app: FastifyInstance;
  live: MeetingRegistry;
}

/** Two nodes: each its own registry, app and Redis connection; one database between them. */
async function cluster(t: TestContext): Promise<{ a: AmphiNode; b: AmphiNode; storage: Storage }> {
  const url = process.env.AMPHI_TEST_REDIS_URL;
  if (!url) throw new Error('AMPHI_TEST_REDIS_URL is not set: run these tests through `./amphi test`, which starts a throwaway Redis and sets it');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-nodes-'));
  const storage = await Storage.open({ kind: 'sqlite', file: path.join(dir, 'amphi.sqlite') });
  const node = async (): Promise<AmphiNode & { redis: Redis }> => {
    const redis = new Redis(url, { maxRetriesPerRequest: 2 });
    const oneTime = new RedisOneTimeStore(redis);
    const log = createLogger('silent');
    const live = new MeetingRegistry(new FakeMediaBackend(), storage.meetings, { ...POLICY }, [], log, undefined, undefined, undefined, undefined, oneTime);
    const app = await buildHttpApp({ storage, sessions: new SessionService(storage.sessions, storage.users), live, publicUrl: new URL(PUBLIC_URL), policy: { ...POLICY }, client: undefined, log, oneTime });
    return { app, live, redis };
  };
  const a = await node();
  const b = await node();
  t.after(async () => {
    for (const n of [a, b]) {
      n.live.shutdown();
      await flush();
      await n.app.close();
      await n.redis.quit();
    }
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { a, b, storage };
}


describe('two Amphi nodes share their one-time secrets through Redis', () => {
  it('an LTI launch begun at one node finishes at the other, once; its join link works at either node, once', async (t) => {
    const { a, b, storage } = await cluster(t);
    await storage.users.create({ email: 'admin@u.fr', name: 'Admin', passwordHash: await hashPassword(PASSWORD), isAdmin: true });
    const admin = { ...CSRF, cookie: await signIn(a.app, 'admin@u.fr') };
    const registered = await a.app.inject({
      method: 'POST',
      url: '/api/admin/lti/registrations',
      headers: admin,
      payload: { name: 'Moodle', issuer: platform.issuer, clientId: platform.clientId, deploymentIds: [platform.deploymentId], authUrl: platform.authUrl, jwksUrl: platform.jwksUrl, tokenUrl: platform.tokenUrl },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    await platform.setToolJwks((await a.app.inject({ method: 'GET', url: '/lti/jwks' })).json());

    const launchThrough = async (login: AmphiNode, launch: AmphiNode, user: typeof TEACHER) => {
      const prepared = await platform.prepare({ user, resourceLink: { id: '5', title: 'CM' } });
      const started = await login.app.inject({ method: 'POST', url: '/lti/login', headers: FORM, payload: new URLSearchParams(platform.loginParams(prepared)).toString() });
      assert.equal(started.statusCode, 302, started.body);
      const fields = hiddenFields(await (await fetch(String(started.headers.location))).text());
      const post = (to: AmphiNode) => to.app.inject({ method: 'POST', url: '/lti/launch', headers: { ...FORM, origin: platform.issuer }, payload: new URLSearchParams(fields).toString() });
      return { res: await post(launch), post };
    };
    // The proxy sends the platform's login to node A, its launch to node B: the state made at A is known at B.
    const teacher = await launchThrough(a, b, TEACHER);
    assert.equal(teacher.res.statusCode, 303, teacher.res.body);
    // Posted again, at either node, the same state is refused: used once across the cluster.
    assert.equal((await teacher.post(b)).statusCode, 401);
    assert.equal((await teacher.post(a)).statusCode, 401);

    // The join link node B issued is redeemed by node A's signaling, once; then at B it is gone too.
    const location = new URL(String(teacher.res.headers.location));
    const meetingId = location.pathname.split('/').pop()!;
    const ticket = location.searchParams.get('ticket')!;
    const redeemed = await a.live.tickets.redeem(ticket, meetingId);
    assert.equal(redeemed?.role, 'host');
    assert.equal(await b.live.tickets.redeem(ticket, meetingId), undefined);
    assert.equal(await a.live.tickets.redeem(ticket, meetingId), undefined);

    // And the other way round, for a student.
    const student = await launchThrough(b, a, STUDENT);
    assert.equal(student.res.statusCode, 303, student.res.body);
  });

  it("Moodle's BigBlueButton calls reach one node and the browser's join another: the join is taken there", async (t) => {
    const { a, b, storage } = await cluster(t);
    const service = await storage.users.create({ email: 'bbb@consumers.amphi.invalid', name: 'Moodle (BBB)', passwordHash: null, isAdmin: false, isStaff: true });
    await storage.licences.grant(service.id, null, 0);
    const secret = 'two-nodes-bbb-secret-0123456789abcdef';
    await storage.bbb.createConsumer({ id: 'c1', name: 'Moodle', secret, serviceUserId: service.id, createdAt: new Date().toISOString() });
    const call = (node: AmphiNode, action: string, params: [string, string][]) => {
      const query = new URLSearchParams(params).toString();
      return node.app.inject({ method: 'GET', url: `/bigbluebutton/api/${action}?${query}&checksum=${computeChecksum('sha256', action, query, secret)}` });
    };
    const created = await call(a, 'create', [['meetingID', 'm-2-5'], ['name', 'Physique'], ['attendeePW', 'ap'], ['moderatorPW', 'mp']]);
    assert.match(created.body, /<returncode>SUCCESS<\/returncode>/);
    const createTime = /<createTime>(\d+)<\/createTime>/.exec(created.body)![1]!;
    await call(a, 'getMeetingInfo', [['meetingID', 'm-2-5']]);
    // The browser's join lands on node B, which never saw Moodle's calls: it knows of them.
    const join = await call(b, 'join', [['meetingID', 'm-2-5'], ['fullName', 'Prof'], ['role', 'MODERATOR'], ['userID', '7'], ['createTime', createTime]]);
    assert.equal(join.statusCode, 302, join.body);
  });
});

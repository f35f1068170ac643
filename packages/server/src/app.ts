import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Logger } from './Logger.ts';
import { SessionService } from './auth/SessionService.ts';
import { generatePassword, hashPassword } from './auth/passwords.ts';
import { keptLiveMeetings, MeetingRegistry } from './domain/MeetingRegistry.ts';
import { DEFAULT_RESUME_GRACE_S } from './domain/LiveMeeting.ts';
import { buildHttpApp } from './http/buildHttpApp.ts';
import { SsoSignIn } from './auth/sso/SsoSignIn.ts';
import { findJanusLibDir, generateSecrets, renderJanusConfig, writeJanusConfig } from './janus/JanusConfig.ts';
import { JanusMediaBackend } from './janus/JanusMediaBackend.ts';
import { freePort, JanusProcess } from './janus/JanusProcess.ts';
import { Storage } from './storage/Storage.ts';
import { SmtpMailer } from './mail/SmtpMailer.ts';
import { DocumentConverter } from './documents/DocumentConverter.ts';
import { DocumentFiles } from './documents/DocumentFiles.ts';
import { RetentionJob } from './recordings/RetentionJob.ts';
import { MjrProcessor } from './recordings/MjrProcessor.ts';
import { Policies } from './admin/Policies.ts';
import { recordingReadyMail, RecordingService } from './recordings/RecordingService.ts';
import type { ClientFiles } from './http/staticRoutes.ts';
import { Redis } from 'ioredis';
import type { OneTimeStore } from './ports/OneTimeStore.ts';
import { MemoryOneTimeStore } from './shared/MemoryOneTimeStore.ts';
import { RedisOneTimeStore } from './shared/RedisOneTimeStore.ts';

/** A running Amphi: the composition root's product. close() stops everything it started. */
export interface Amphi {
  url: string;
  http: FastifyInstance;
  janus: JanusProcess | undefined;
  close(): Promise<void>;
}

/**
 * Builds and starts everything from the config (the composition root: the only place that
 * wires adapters to the domain). Order: data folder → database → Janus → HTTP.
 */
export async function startAmphi(config: Config, log: Logger, client: ClientFiles | undefined): Promise<Amphi> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => log.error('shutdown step failed', { err: String(err) }));
    cleanups.length = 0;
  };
  try {
    const storage = await Storage.open(config.database);
    cleanups.push(() => storage.close());
    await ensureAdministrator(storage, config, log);
    const sweep = setInterval(() => {
      storage.sessions.deleteExpired(new Date()).catch((err) => log.warn('could not delete expired sessions', { err: String(err) }));
    }, 3_600_000);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));

    let janusTarget: { url: string; apiSecret: string; adminKey: string };
    let janus: JanusProcess | undefined;
    if (config.janus.mode === 'managed') {
      const secrets = generateSecrets();
      const wsPort = config.janus.wsPort || (await freePort());
      const configDir = path.join(config.dataDir, 'janus');
      writeJanusConfig(configDir, renderJanusConfig({ configDir, libDir: findJanusLibDir(), wsPort, secrets, ice: config.ice, logLevel: config.janus.logLevel, eventLoops: config.janus.eventLoops, recordingsDir: config.recordings.dir }));
      janus = new JanusProcess({ binary: config.janus.binary, configDir, logFile: path.join(config.dataDir, 'janus.log'), wsPort, log });
      cleanups.push(() => janus!.stop());
      await janus.start();
      janusTarget = { url: `ws://127.0.0.1:${wsPort}`, apiSecret: secrets.apiSecret, adminKey: secrets.adminKey };
    } else {
      janusTarget = { url: config.janus.url, apiSecret: config.janus.apiSecret, adminKey: config.janus.adminKey };
    }

    const media = new JanusMediaBackend(janusTarget, log);
    cleanups.push(() => media.close());
    await media.start();

    // The meetings that were live when Amphi stopped (a restart, an upgrade, a crash) go on.
    const kept = await keptLiveMeetings(storage.liveMeetings, config.meetings.resumeGraceSeconds ?? DEFAULT_RESUME_GRACE_S, new Date(), log);
    // Other sessions a crash left open end where their last record ends.
    await storage.attendance.closeDangling(new Set(kept.map((k) => k.snapshot.sessionId)));
    // Documents belong to live meetings: only those of the meetings that go on are kept.
    const documentFiles = new DocumentFiles(path.join(config.dataDir, 'documents'));
    await documentFiles.sweep(new Set(kept.map((k) => k.meetingId)));
    const converterDir = path.join(config.dataDir, 'converting');
    fs.rmSync(converterDir, { recursive: true, force: true });
    fs.mkdirSync(converterDir, { recursive: true, mode: 0o750 });
    const converter = new DocumentConverter({ workDir: converterDir, log: log.child({ component: 'documents' }) });
    cleanups.push(() => converter.close());

    let mailer: SmtpMailer | undefined;
    if (config.mail) {
      const created = new SmtpMailer(config.mail.smtpUrl, config.mail.from);
      mailer = created;
      cleanups.push(async () => created.close());
    }

    // The deployment's policies: the environment's values, with what administrators changed in the
    // console over them. `config.meetings` is the object every meeting reads: changes apply at once.
    const policies = await Policies.load(storage.settings, storage.licences, { capacity: config.meetings.capacity, retentionDays: config.recordings.retentionDays }, config.meetings);

    // Cloud recordings: Janus writes each stream into the recording's folder, the MP4 is made in
    // segments while it goes on; recordings a crash cut short are processed now from what was written.
    fs.mkdirSync(config.recordings.dir, { recursive: true, mode: 0o750 });
    const recorder = new RecordingService({
      catalog: storage.recordings,
      processor: new MjrProcessor(log.child({ component: 'recordings' }), { segmentS: config.recordings.segmentS }),
      advanceEveryMs: Math.min(10_000, config.recordings.segmentS * 500),
      dir: config.recordings.dir,
      get retentionDays() {
        return policies.retention.days;
      },
      minFreeBytes: config.recordings.minFreeBytes,
      log: log.child({ component: 'recordings' }),
      onReady: async (recording) => {
        const owner = await storage.users.byId(recording.ownerId);
        if (!mailer || !owner) return;
        await mailer.send(recordingReadyMail({ to: owner.email, name: owner.name, title: recording.title, durationS: recording.durationS ?? 0, link: new URL('/', config.publicUrl).toString() }));
      },
    });
    cleanups.push(() => recorder.idle());

    // One store for every one-time secret (ADR 8): a Redis shared by the nodes, else this process's memory.
    let oneTime: OneTimeStore = new MemoryOneTimeStore();
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, connectTimeout: 5_000 });
      cleanups.push(async () => void (await redis.quit().catch(() => redis.disconnect())));
      await redis.ping().catch((err: unknown) => Promise.reject(new Error(`AMPHI_REDIS_URL: cannot reach Redis (${String(err)})`)));
      oneTime = new RedisOneTimeStore(redis);
      log.info('one-time secrets are kept in Redis', { url: new URL(config.redisUrl).host });
    }
    const live = new MeetingRegistry(media, storage.meetings, config.meetings, config.ice.iceServers, log, storage.attendance, documentFiles, recorder, storage.liveMeetings, oneTime);
    const restored = await live.restore(kept);
    if (restored > 0) log.info('live meetings go on after the restart', { meetings: restored });
    // After the restore: the recordings of meetings that go on go on with them.
    await recorder.recover();

    // Cloud recordings past their retention go (files and records), their owners warned a week before.
    const retention = new RetentionJob({ catalog: storage.recordings, shares: storage.recordingShares, users: storage.users, mailer, dir: config.recordings.dir,
      get retentionDays() {
        return policies.retention.days;
      },
      publicUrl: config.publicUrl,
      log: log.child({ component: 'retention' }),
    });
    let retentionRun: Promise<unknown> = Promise.resolve();
    const runRetention = () => {
      retentionRun = retention.run(new Date()).catch((err) => log.error('recording retention failed', { err: String(err) }));
    };
    runRetention();
    const retentionTimer = setInterval(runRetention, 3_600_000);
    retentionTimer.unref();
    cleanups.push(async () => {
      clearInterval(retentionTimer);
      await retentionRun;
    });

    const http = await buildHttpApp({
      mailer,
      storage,
      sessions: new SessionService(storage.sessions, storage.users),
      live,
      publicUrl: config.publicUrl,
      policy: config.meetings,
      client,
      log,
      documents: { converter, store: documentFiles, maxBytes: config.documents.maxBytes },
      recordingsDir: config.recordings.dir,
      licencePolicy: config.licences,
      policies,
      sso: config.sso ? new SsoSignIn(config.sso, config.publicUrl, { users: storage.users, identities: storage.identities, dataDir: config.dataDir }, oneTime) : undefined,
      oneTime,
    });
    cleanups.push(() => http.close());
    // First thing on stop (cleanups run last-in first): meetings are kept for the next start and
    // everyone is told to stay on the page, before the HTTP server closes their connections.
    cleanups.push(() => live.suspend());
    await http.listen({ host: config.host, port: config.port });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    return { url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`, http, janus, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The first start creates an administrator, from AMPHI_ADMIN_EMAIL / AMPHI_ADMIN_PASSWORD or
 * with a generated password printed once (and kept in the data folder, readable by root only).
 */
async function ensureAdministrator(storage: Storage, config: Config, log: Logger): Promise<void> {
  if ((await storage.users.count()) > 0) return;
  const email = config.admin.email ?? 'admin@amphi.local';
  const generated = config.admin.password === undefined;
  const password = config.admin.password ?? generatePassword();
  const admin = await storage.users.create({ email, name: 'Administrator', passwordHash: await hashPassword(password), isAdmin: true, isStaff: true });
  // The first administrator hosts too, whatever the pool.
  await storage.licences.grant(admin.id, null, 0);
  if (generated) {
    const file = path.join(config.dataDir, 'initial-admin.txt');
    fs.writeFileSync(file, `email: ${email}\npassword: ${password}\n`, { mode: 0o600 });
    log.info('created the administrator account', { email, passwordFile: file });
    process.stdout.write(
      `\n  Amphi created an administrator account.\n  Sign in with  email: ${email}\n                password: ${password}\n  (also saved in ${file}; delete that file once you have changed it)\n\n`,
    );
  } else {
    log.info('created the administrator account from AMPHI_ADMIN_EMAIL', { email });
  }
}

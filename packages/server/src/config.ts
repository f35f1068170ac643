import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IceServer } from '@amphi/protocol';
import type { MeetingPolicy } from './domain/MeetingSettings.ts';
import { parseSsoSettings, type SsoSettings } from './auth/sso/SsoSettings.ts';

/** Everything Amphi can be told at start. Read once, validated, then passed down. */
export interface Config {
  host: string;
  port: number;
  publicUrl: URL;
  dataDir: string;
  /** A Redis shared by several Amphi nodes (one-time secrets, ADR 8); undefined: each process keeps its own. */
  redisUrl: string | undefined;
  /** Started as root, Amphi becomes this user before it starts anything (privileges.ts); undefined: it stays who it is. */
  runAs: string | undefined;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  janus:
    | {
        mode: 'managed';
        binary: string;
        wsPort: number | 0;
        logLevel: number;
        /** Janus `event_loops` (0: Janus's own thread per handle); see renderJanusConfig. */
        eventLoops: number;
      }
    | { mode: 'external'; url: string; apiSecret: string; adminKey: string };
  ice: {
    /** Interface Janus gathers candidates on (ice_enforce_list), e.g. "eth0". */
    interface: string | undefined;
    /** Public address for 1:1 NAT (nat_1_1_mapping). */
    nat11: string | undefined;
    rtpPorts: { min: number; max: number };
    /** STUN server Janus uses to learn its public address, "host:port". */
    stunServer: string | undefined;
    /** STUN/TURN servers handed to browsers. */
    iceServers: IceServer[];
  };
  admin: { email: string | undefined; password: string | undefined };
  /** What every meeting of this deployment obeys. */
  meetings: MeetingPolicy;
  /** Documents presented in meetings. */
  documents: { maxBytes: number };
  /** Cloud recordings: MP4s in `dir` (`<id>.mp4`, raw files in `<id>/`), deleted `retentionDays` after they were made. */
  recordings: { dir: string; retentionDays: number; minFreeBytes: number; segmentS: number };
  /** Named host licences: the pool size (0: no limit) and whether staff get one by themselves. */
  licences: { pool: number; autoStaff: boolean };
  /** Outgoing mail (invitations); undefined when no SMTP server is configured. */
  mail: { smtpUrl: string; from: string } | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Single sign-on providers (AMPHI_SSO_FILE); undefined: local accounts only. */
  sso: SsoSettings | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const Port = z.coerce.number().int().min(0).max(65535);
const PortRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, 'expected MIN-MAX, e.g. 20000-40000')
  .transform((s) => s.split('-').map(Number) as [number, number])
  .refine(([a, b]) => a >= 1024 && b <= 65535 && a < b, 'expected 1024 ≤ MIN < MAX ≤ 65535')
  .transform(([min, max]) => ({ min, max }));
const HostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port');

/**
 * Janus threads shared by all PeerConnections (0: Janus's own thread per handle). Measured
 * with bench/lecture.ts on 2 cores, 1 presenter with camera + screen + mic (1.3 Mbit/s per
 * viewer), 10–100 viewers: 2 loops cost Janus 0.36 % of a core per viewer against 0.57 % with
 * a thread per handle, and keep hundreds of runnable Janus threads from starving the rest of
 * the machine. Checked with Chromium by tests/e2e/meeting and sharing.
 */
export const DEFAULT_JANUS_EVENT_LOOPS = 2;

const Env = z.object({
  AMPHI_HOST: z.string().min(1).default('127.0.0.1'),
  AMPHI_PORT: Port.default(8080),
  AMPHI_PUBLIC_URL: z.string().url().optional(),
  AMPHI_DATA_DIR: z.string().min(1).default('data'),
  AMPHI_REDIS_URL: z.string().regex(/^rediss?:\/\/.+/, 'expected redis://host:port').optional(),
  AMPHI_RUN_AS: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a user name').optional().or(z.literal('').transform(() => undefined)),
  AMPHI_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:/path/file.sqlite or postgres://user@host/db')
    .optional(),
  AMPHI_JANUS_BIN: z.string().min(1).default('/usr/bin/janus'),
  AMPHI_JANUS_WS_PORT: Port.default(0),
  AMPHI_JANUS_LOG_LEVEL: z.coerce.number().int().min(0).max(7).default(4),
  AMPHI_JANUS_EVENT_LOOPS: z.coerce.number().int().min(0).max(64).default(DEFAULT_JANUS_EVENT_LOOPS),
  AMPHI_JANUS_URL: z.string().regex(/^wss?:\/\/.+/, 'expected ws://host:port').optional(),
  AMPHI_JANUS_API_SECRET: z.string().min(1).optional(),
  AMPHI_JANUS_ADMIN_KEY: z.string().min(1).optional(),
  AMPHI_ICE_INTERFACE: z.string().regex(/^[A-Za-z0-9_.:\-,]+$/, 'expected interface names, e.g. eth0').optional(),
  AMPHI_NAT_1_1: z.string().regex(/^[0-9a-fA-F.:,]+$/, 'expected an IP address').optional(),
  AMPHI_RTP_PORTS: PortRange.default({ min: 20000, max: 40000 }),
  AMPHI_STUN_SERVER: HostPort.optional(),
  AMPHI_ICE_SERVERS: z.string().optional(),
  AMPHI_ADMIN_EMAIL: z.string().email().optional(),
  AMPHI_ADMIN_PASSWORD: z.string().min(12, 'at least 12 characters').optional(),
  AMPHI_MEETING_CAPACITY: z.coerce.number().int().min(2).max(100_000).default(300),
  AMPHI_RESUME_GRACE_S: z.coerce.number().int().min(5).max(3_600).default(60),
  AMPHI_REDIRECT_URL: z.string().url().regex(/^https?:\/\//i, 'expected an http(s) address').optional(),
  AMPHI_DOCUMENT_MAX_MB: z.coerce.number().min(1).max(2048).default(50),
  AMPHI_RECORDING_MIN_FREE_MB: z.coerce.number().min(0).max(10_000_000).default(1024),
  AMPHI_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(60),
  AMPHI_LICENCE_POOL: z.coerce.number().int().min(0).max(10_000_000).default(0),
  AMPHI_LICENCE_STAFF_AUTO: z.enum(['true', 'false']).default('true'),
  AMPHI_RECORDING_SEGMENT_S: z.coerce.number().min(2).max(3600).default(60),
  AMPHI_SMTP_URL: z.string().regex(/^smtps?:\/\/.+/, 'expected smtp://user:password@host:port or smtps://…').optional(),
  AMPHI_MAIL_FROM: z.string().min(3).max(200).optional(),
  AMPHI_SSO_FILE: z.string().min(1).optional(),
  AMPHI_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

/** Builds the Config from environment variables (only main.ts passes process.env). */
export function loadConfig(env: Record<string, string | undefined>, cwd: string): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('AMPHI_') && v !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  const dataDir = path.resolve(cwd, e.AMPHI_DATA_DIR);
  const publicUrl = new URL(e.AMPHI_PUBLIC_URL ?? `http://localhost:${e.AMPHI_PORT}`);
  if (publicUrl.pathname !== '/') problems.push('AMPHI_PUBLIC_URL: Amphi must be served at the root of its host (no path)');

  let database: Config['database'];
  const dbUrl = e.AMPHI_DATABASE_URL;
  if (!dbUrl) database = { kind: 'sqlite', file: path.join(dataDir, 'amphi.sqlite') };
  else if (dbUrl.startsWith('sqlite:')) database = { kind: 'sqlite', file: path.resolve(cwd, dbUrl.slice('sqlite:'.length)) };
  else database = { kind: 'postgres', url: dbUrl };

  let janus: Config['janus'];
  if (e.AMPHI_JANUS_URL) {
    if (!e.AMPHI_JANUS_API_SECRET) problems.push('AMPHI_JANUS_API_SECRET: required with AMPHI_JANUS_URL');
    if (!e.AMPHI_JANUS_ADMIN_KEY) problems.push('AMPHI_JANUS_ADMIN_KEY: required with AMPHI_JANUS_URL');
    janus = { mode: 'external', url: e.AMPHI_JANUS_URL, apiSecret: e.AMPHI_JANUS_API_SECRET ?? '', adminKey: e.AMPHI_JANUS_ADMIN_KEY ?? '' };
  } else {
    janus = { mode: 'managed', binary: e.AMPHI_JANUS_BIN, wsPort: e.AMPHI_JANUS_WS_PORT, logLevel: e.AMPHI_JANUS_LOG_LEVEL, eventLoops: e.AMPHI_JANUS_EVENT_LOOPS };
  }

  let iceServers: IceServer[] = [];
  if (e.AMPHI_ICE_SERVERS) {
    try {
      const servers = z.array(IceServer).safeParse(JSON.parse(e.AMPHI_ICE_SERVERS));
      if (servers.success) iceServers = servers.data;
      else problems.push('AMPHI_ICE_SERVERS: expected a JSON array of {urls, username?, credential?}');
    } catch {
      problems.push('AMPHI_ICE_SERVERS: not valid JSON');
    }
  }
  if ((e.AMPHI_ADMIN_EMAIL === undefined) !== (e.AMPHI_ADMIN_PASSWORD === undefined)) {
    problems.push('AMPHI_ADMIN_EMAIL and AMPHI_ADMIN_PASSWORD: set both or neither');
  }
  let sso: SsoSettings | undefined;
  if (e.AMPHI_SSO_FILE) {
    const file = path.resolve(cwd, e.AMPHI_SSO_FILE);
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`AMPHI_SSO_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    if (text !== undefined) {
      const parsed = parseSsoSettings(text);
      if (parsed.ok) sso = parsed.settings;
      else problems.push(...parsed.problems.map((p) => `AMPHI_SSO_FILE ${file}: ${p}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    host: e.AMPHI_HOST,
    port: e.AMPHI_PORT,
    publicUrl,
    dataDir,
    runAs: e.AMPHI_RUN_AS,
    redisUrl: e.AMPHI_REDIS_URL,
    database,
    janus,
    ice: {
      interface: e.AMPHI_ICE_INTERFACE,
      nat11: e.AMPHI_NAT_1_1,
      rtpPorts: e.AMPHI_RTP_PORTS,
      stunServer: e.AMPHI_STUN_SERVER,
      iceServers,
    },
    admin: { email: e.AMPHI_ADMIN_EMAIL, password: e.AMPHI_ADMIN_PASSWORD },
    meetings: { capacity: e.AMPHI_MEETING_CAPACITY, redirectUrl: e.AMPHI_REDIRECT_URL ?? null, resumeGraceSeconds: e.AMPHI_RESUME_GRACE_S },
    documents: { maxBytes: Math.round(e.AMPHI_DOCUMENT_MAX_MB * 1024 * 1024) },
    recordings: { dir: path.join(dataDir, 'recordings'), retentionDays: e.AMPHI_RECORDING_RETENTION_DAYS, minFreeBytes: Math.round(e.AMPHI_RECORDING_MIN_FREE_MB * 1024 * 1024), segmentS: e.AMPHI_RECORDING_SEGMENT_S },
    licences: { pool: e.AMPHI_LICENCE_POOL, autoStaff: e.AMPHI_LICENCE_STAFF_AUTO === 'true' },
    mail: e.AMPHI_SMTP_URL ? { smtpUrl: e.AMPHI_SMTP_URL, from: e.AMPHI_MAIL_FROM ?? `Amphi <no-reply@${publicUrl.hostname}>` } : undefined,
    logLevel: e.AMPHI_LOG_LEVEL,
    sso,
  };
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

/** Secrets Amphi generates for its own Janus at every start; they never leave this machine. */
export interface JanusSecrets {
  apiSecret: string;
  adminSecret: string;
  adminKey: string;
}

export function generateSecrets(): JanusSecrets {
  const s = () => crypto.randomBytes(24).toString('base64url');
  return { apiSecret: s(), adminSecret: s(), adminKey: s() };
}

/** Where Debian (or another layout) put Janus's plugins and transports. */
export function findJanusLibDir(candidates = defaultLibDirs()): string {
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'plugins', 'libjanus_videoroom.so'))) return dir;
  }
  throw new Error(`Janus plugins not found in ${candidates.join(', ')}: install Janus with "apt-get install janus"`);
}

function defaultLibDirs(): string[] {
  const dirs: string[] = [];
  try {
    for (const entry of fs.readdirSync('/usr/lib')) {
      if (entry.endsWith('-linux-gnu')) dirs.push(path.join('/usr/lib', entry, 'janus'));
    }
  } catch {
    /* no /usr/lib: fall through to the generic places */
  }
  dirs.push('/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus');
  return dirs;
}

const UNUSED_PLUGINS = [
  'audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail',
].map((p) => `libjanus_${p}.so`);
const UNUSED_TRANSPORTS = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'].map((t) => `libjanus_${t}.so`);

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * The three files Janus needs, as text. Pure: config in, file contents out.
 * The WebSocket API listens on loopback only and demands the api_secret; every plugin and
 * transport Amphi does not use is disabled (a missing config file means "defaults", not "off").
 */
export function renderJanusConfig(input: {
  configDir: string;
  libDir: string;
  wsPort: number;
  secrets: JanusSecrets;
  ice: Config['ice'];
  logLevel: number;
  /** Where cloud recordings are written: it must not be a protected folder. */
  recordingsDir?: string;
  /**
   * Janus's `event_loops`: how many threads serve every PeerConnection (0: Janus's default,
   * one thread per handle). Few shared loops cost Janus about half the CPU per viewer
   * (bench/lecture.ts measures it) and stop hundreds of runnable threads from starving the
   * rest of the machine.
   */
  eventLoops?: number;
}): Record<string, string> {
  const { ice } = input;
  const nat: string[] = ['nice_debug = false', 'ignore_mdns = true', 'full_trickle = false'];
  if (ice.interface) nat.push(`ice_enforce_list = ${quote(ice.interface)}`);
  if (ice.nat11) nat.push(`nat_1_1_mapping = ${quote(ice.nat11)}`, 'keep_private_host = false');
  if (ice.stunServer) {
    const idx = ice.stunServer.lastIndexOf(':');
    nat.push(`stun_server = ${quote(ice.stunServer.slice(0, idx))}`, `stun_port = ${ice.stunServer.slice(idx + 1)}`);
  }
  const main = `# Written by Amphi at start; edits are overwritten.
general: {
	configs_folder = ${quote(input.configDir)}
	plugins_folder = ${quote(path.join(input.libDir, 'plugins'))}
	transports_folder = ${quote(path.join(input.libDir, 'transports'))}
	events_folder = ${quote(path.join(input.libDir, 'events'))}
	loggers_folder = ${quote(path.join(input.libDir, 'loggers'))}
	debug_level = ${input.logLevel}
	debug_timestamps = true
	debug_colors = false
	api_secret = ${quote(input.secrets.apiSecret)}
	admin_secret = ${quote(input.secrets.adminSecret)}
	session_timeout = 60${input.eventLoops ? `\n\tevent_loops = ${input.eventLoops}` : ''}
	protected_folders = [ ${protectedFolders(input.recordingsDir).map(quote).join(', ')} ]
}
certificates: { }
media: {
	rtp_port_range = "${ice.rtpPorts.min}-${ice.rtpPorts.max}"
}
nat: {
	${nat.join('\n\t')}
}
plugins: { disable = ${quote(UNUSED_PLUGINS.join(','))} }
transports: { disable = ${quote(UNUSED_TRANSPORTS.join(','))} }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
`;
  const websockets = `general: {
	json = "plain"
	ws = true
	ws_port = ${input.wsPort}
	ws_ip = "127.0.0.1"
	wss = false
}
admin: {
	admin_ws = false
	admin_wss = false
}
`;
  const videoroom = `general: {
	admin_key = ${quote(input.secrets.adminKey)}
	lock_rtp_forward = true
}
`;
  return {
    'janus.jcfg': main,
    'janus.transport.websockets.jcfg': websockets,
    'janus.plugin.videoroom.jcfg': videoroom,
  };
}

/** Writes the config folder, readable by its owner only (it holds the secrets). */
export function writeJanusConfig(configDir: string, files: Record<string, string>): void {
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(configDir, name), text, { mode: 0o600 });
  }
}

const PROTECTED = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/sbin', '/sys', '/usr', '/var'];
const VAR_PARTS = ['/var/backups', '/var/cache', '/var/lib', '/var/local', '/var/log', '/var/mail', '/var/opt', '/var/run', '/var/spool', '/var/tmp'];

/**
 * Folders Janus refuses to write recordings into. Janus protects /var by default, where
 * deployments keep their data (/var/lib/amphi): there it protects /var's other parts instead,
 * and never the folder that holds the recordings (Janus would skip them silently).
 */
export function protectedFolders(recordingsDir: string | undefined): string[] {
  const holds = (folder: string) => recordingsDir !== undefined && (recordingsDir === folder || recordingsDir.startsWith(folder + '/'));
  return PROTECTED.flatMap((folder) => (holds(folder) ? (folder === '/var' ? VAR_PARTS.filter((part) => !holds(part)) : []) : [folder]));
}

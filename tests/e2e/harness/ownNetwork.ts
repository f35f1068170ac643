import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A network of one's own for one browser: a network namespace joined to the test namespace
 * (where Amphi, Janus and the other browsers run) by a veth pair, so that the test can cut or
 * limit that one person's link. The test namespace's end is `hostAddress`, which Amphi listens
 * on; the person's namespace routes everything through it.
 */
export interface OwnNetwork {
  /** The address of the test namespace's end of the link (serve Amphi there). */
  hostAddress: string;
  /** A Chromium that runs inside the namespace (Playwright's executablePath). */
  chromium: string;
  /** Takes the link down (both directions, no packet passes) until `restore()`. */
  cut(): void;
  restore(): void;
  /** Limits what reaches the person (their downlink) to `kbit` kbit/s (a token bucket), or lifts it (null). */
  limitDownlink(kbit: number | null): void;
  /** Limits what the namespace sends (its uplink) to `kbit` kbit/s, or lifts the limit (null). */
  limitUplink(kbit: number | null): void;
  close(): void;
}

let counter = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A token bucket on what `dev` sends (this kernel has no netem): 20 kB of burst, packets queued
 * at most 150 ms; `kbit` null lifts it. `prefix` runs tc inside a namespace.
 */
function limit(prefix: string[], dev: string, kbit: number | null): void {
  const [command, ...args] = [...prefix, 'tc'];
  try {
    execFileSync(command!, [...args, 'qdisc', 'del', 'dev', dev, 'root'], { stdio: 'ignore' });
  } catch {
    /* no limit was set */
  }
  if (kbit !== null) execFileSync(command!, [...args, 'qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '20kb', 'latency', '150ms']);
}

export function createOwnNetwork(): OwnNetwork {
  const n = ++counter;
  const ns = `amphi-own-${process.pid}-${n}`;
  const outer = `vo${n}a`;
  const inner = `vo${n}b`;
  const hostAddress = `198.19.${n}.1`;
  const address = `198.19.${n}.2`;
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
    ip('link', 'set', inner, 'netns', ns);
    ip('addr', 'add', `${hostAddress}/24`, 'dev', outer);
    ip('link', 'set', outer, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner);
    ip('-n', ns, 'link', 'set', inner, 'up');
    // Janus's other candidates (the test namespace's own addresses) are reached through the link too.
    ip('-n', ns, 'route', 'add', 'default', 'via', hostAddress);
  } catch (err) {
    ip('netns', 'del', ns);
    throw err;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-own-'));
  const chromium = path.join(dir, 'chromium');
  // `exec` keeps the process Playwright started (and its pipes): only its network changes.
  fs.writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${ns} ${process.env.AMPHI_CHROMIUM ?? '/usr/bin/chromium'} "$@"\n`, { mode: 0o755 });
  return {
    hostAddress,
    chromium,
    // The test namespace's end goes down: nothing passes either way, and the person's side keeps
    // its addresses and routes (as a Wi-Fi that stops carrying traffic does).
    cut: () => ip('link', 'set', outer, 'down'),
    restore: () => ip('link', 'set', outer, 'up'),
    // What leaves the test namespace's end goes to the person: shaping it shapes their downlink.
    limitDownlink: (kbit) => limit([], outer, kbit),
    limitUplink: (kbit) => limit(['ip', 'netns', 'exec', ns], inner, kbit),
    close: () => {
      try {
        execFileSync('sh', ['-c', `ip netns pids ${ns} | xargs -r kill -9`], { stdio: 'ignore' });
      } catch {
        /* nothing left in it */
      }
      try {
        ip('link', 'del', outer);
      } catch {
        /* gone with the namespace */
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        /* already gone */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

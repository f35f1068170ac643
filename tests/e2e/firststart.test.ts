import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startAmphi } from './harness/amphiServer.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Addresses of this host other than loopback (in the test namespace: the veth address). */
function otherAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => i!.address);
}

test('the first start creates an administrator, prints how to sign in, and the password works', { timeout: 60_000 }, async () => {
  const amphi = await startAmphi({}, { presetAdmin: false });
  try {
    const m = /email: (\S+)\s+password: (\S+)/.exec(amphi.logs());
    assert.ok(m, `no sign-in instructions in:\n${amphi.logs()}`);
    const [, email, password] = m;
    const saved = fs.readFileSync(path.join(amphi.dataDir, 'initial-admin.txt'), 'utf8');
    assert.match(saved, new RegExp(password!.replace(/[-_]/g, '\\$&')));
    assert.equal(fs.statSync(path.join(amphi.dataDir, 'initial-admin.txt')).mode & 0o777, 0o600);
    const res = await fetch(amphi.url + '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amphi-csrf': '1' },
      body: JSON.stringify({ email, password }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly/);
  } finally {
    await amphi.stop();
  }
});

test("Janus's API listens on loopback only, with generated secrets, and dies with Amphi", { timeout: 60_000 }, async () => {
  const amphi = await startAmphi();
  const janusPid = amphi.janusPid();
  assert.ok(janusPid && alive(janusPid));
  const wsConfig = fs.readFileSync(path.join(amphi.dataDir, 'janus/janus.transport.websockets.jcfg'), 'utf8');
  const port = Number(/ws_port = (\d+)/.exec(wsConfig)![1]);
  assert.equal(await canConnect('127.0.0.1', port), true);
  const others = otherAddresses();
  assert.ok(others.length > 0, 'the test namespace has a non-loopback address');
  for (const address of others) assert.equal(await canConnect(address, port), false, `Janus reachable on ${address}:${port}`);
  const mainConfig = fs.readFileSync(path.join(amphi.dataDir, 'janus/janus.jcfg'), 'utf8');
  const secret = /api_secret = "([^"]+)"/.exec(mainConfig)![1]!;
  assert.ok(secret.length >= 32);
  // No Janus may outlive Amphi, however Amphi dies.
  amphi.process.kill('SIGKILL');
  const deadline = Date.now() + 5_000;
  while (alive(janusPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const state = alive(janusPid) ? execFileSync('ps', ['-o', 'stat=', '-p', String(janusPid)]).toString().trim() : 'gone';
  assert.ok(state === 'gone' || state.startsWith('Z'), `Janus still running after Amphi was killed (${state})`);
  await amphi.stop();
});

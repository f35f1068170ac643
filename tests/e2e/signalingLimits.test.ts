import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';

/*
 * The audit's attack on /ws without signing in: sockets that never join, frames of megabytes,
 * and as many sockets as one likes. Against a real Amphi: a huge frame closes the connection,
 * a connection that does not join is closed within 15 s, and an address holds at most 50 of
 * them (the 51st is told why and closed), while a connection that joins is not counted.
 */
describe('the signaling endpoint cannot be used to pin the server’s memory', { timeout: 120_000 }, () => {
  let amphi: RunningAmphi;
  const url = () => amphi.url.replace(/^http/, 'ws') + '/ws';

  before(async () => {
    amphi = await startAmphi();
  });
  after(async () => {
    await amphi?.stop();
  });

  function open(): Promise<{ ws: WebSocket; closed: Promise<{ code: number; at: number }>; messages: { code?: string }[] }> {
    const ws = new WebSocket(url());
    const messages: { code?: string }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as { code?: string }));
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, closed, messages }));
      ws.once('error', reject);
    });
  }

  test('a frame of a megabyte closes the connection (1009)', async () => {
    const { ws, closed } = await open();
    ws.send(JSON.stringify({ type: 'ping', big: 'x'.repeat(1024 * 1024) }));
    assert.equal((await closed).code, 1009);
  });

  test('a connection that does not join is closed within 15 s', async () => {
    const opened = Date.now();
    const { closed } = await open();
    const { code, at } = await closed;
    assert.equal(code, 1008);
    const after = at - opened;
    assert.ok(after >= 14_000 && after <= 20_000, `closed after ${after} ms`);
  });

  test('an address holds at most 50 connections that have not joined; the 51st is told and closed', async () => {
    const held = [];
    for (let i = 0; i < 50; i++) held.push(await open());
    const extra = await open();
    const { code } = await extra.closed;
    assert.equal(code, 1008);
    assert.equal(extra.messages[0]?.code, 'protocol.too_many_connections');
    // One closes: there is room for one more.
    held[0]!.ws.close();
    await held[0]!.closed;
    await new Promise((r) => setTimeout(r, 200));
    const again = await open();
    const state = await Promise.race([again.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 1_000))]);
    assert.equal(state, 'open');
    for (const h of [...held, again]) h.ws.close();
  });
});

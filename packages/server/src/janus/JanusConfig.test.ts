import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config.ts';
import { findJanusLibDir, generateSecrets, protectedFolders, renderJanusConfig, writeJanusConfig } from './JanusConfig.ts';
import { sdpMedia } from './sdp.ts';

const secrets = { apiSecret: 'API', adminSecret: 'ADMIN', adminKey: 'KEY' };

test('Janus listens on loopback only, demands the API secret and runs only what Amphi uses', () => {
  const files = renderJanusConfig({ configDir: '/d/janus', libDir: '/usr/lib/x/janus', wsPort: 8765, secrets, ice: loadConfig({}, '/').ice, logLevel: 4 });
  const ws = files['janus.transport.websockets.jcfg']!;
  assert.match(ws, /ws_ip = "127\.0\.0\.1"/);
  assert.match(ws, /ws_port = 8765/);
  assert.match(ws, /admin_ws = false/);
  const main = files['janus.jcfg']!;
  assert.match(main, /api_secret = "API"/);
  assert.match(main, /rtp_port_range = "20000-40000"/);
  for (const plugin of ['audiobridge', 'sip', 'streaming', 'echotest']) assert.match(main, new RegExp(`libjanus_${plugin}\\.so`));
  assert.doesNotMatch(main.match(/plugins: \{[^}]*\}/)![0], /videoroom/);
  assert.match(main, /transports: \{ disable = "[^"]*libjanus_http\.so/);
  assert.match(files['janus.plugin.videoroom.jcfg']!, /admin_key = "KEY"/);
  assert.doesNotMatch(main, /nat_1_1_mapping|ice_enforce_list|stun_server/);
});

test('ICE settings reach the nat section', () => {
  const ice = loadConfig({ AMPHI_ICE_INTERFACE: 'eth0', AMPHI_NAT_1_1: '203.0.113.10', AMPHI_STUN_SERVER: 'stun.example:3478', AMPHI_RTP_PORTS: '30000-30100' }, '/').ice;
  const main = renderJanusConfig({ configDir: '/d', libDir: '/l', wsPort: 1, secrets, ice, logLevel: 4 })['janus.jcfg']!;
  assert.match(main, /ice_enforce_list = "eth0"/);
  assert.match(main, /nat_1_1_mapping = "203\.0\.113\.10"/);
  assert.match(main, /stun_server = "stun\.example"/);
  assert.match(main, /stun_port = 3478/);
  assert.match(main, /rtp_port_range = "30000-30100"/);
});

test('event_loops is written when set, and left to Janus when 0', () => {
  const ice = loadConfig({}, '/').ice;
  const render = (eventLoops: number | undefined) => renderJanusConfig({ configDir: '/d', libDir: '/l', wsPort: 1, secrets, ice, logLevel: 4, eventLoops })['janus.jcfg']!;
  assert.match(render(2), /^general: \{[^}]*\n\tevent_loops = 2\n[^}]*\}/m);
  assert.doesNotMatch(render(0), /event_loops/);
  assert.doesNotMatch(render(undefined), /event_loops/);
  const config = loadConfig({ AMPHI_JANUS_EVENT_LOOPS: '3' }, '/');
  assert.equal(config.janus.mode === 'managed' && config.janus.eventLoops, 3);
  assert.throws(() => loadConfig({ AMPHI_JANUS_EVENT_LOOPS: '-1' }, '/'), /AMPHI_JANUS_EVENT_LOOPS/);
});

test('secrets are random and the config folder is private', () => {
  const a = generateSecrets();
  const b = generateSecrets();
  assert.notEqual(a.apiSecret, b.apiSecret);
  assert.ok(a.apiSecret.length >= 32);
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-jcfg-')), 'janus');
  writeJanusConfig(dir, { 'janus.jcfg': 'x' });
  assert.equal(fs.statSync(path.join(dir, 'janus.jcfg')).mode & 0o777, 0o600);
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  fs.rmSync(path.dirname(dir), { recursive: true });
});

test('finds the Janus plugin folder, or says how to install Janus', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-lib-'));
  fs.mkdirSync(path.join(root, 'b/plugins'), { recursive: true });
  fs.writeFileSync(path.join(root, 'b/plugins/libjanus_videoroom.so'), '');
  assert.equal(findJanusLibDir([path.join(root, 'a'), path.join(root, 'b')]), path.join(root, 'b'));
  assert.throws(() => findJanusLibDir([path.join(root, 'a')]), /apt-get install janus/);
  fs.rmSync(root, { recursive: true });
});

test('sdpMedia lists m-lines with their mids', () => {
  const sdp = 'v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
  assert.deepEqual(sdpMedia(sdp), [
    { kind: 'audio', mid: '0' },
    { kind: 'video', mid: '1' },
    { kind: 'application', mid: undefined },
  ]);
  assert.deepEqual(sdpMedia('garbage'), []);
});

test('Janus may write recordings where Amphi keeps them, even under /var, and nowhere else protected', () => {
  assert.deepEqual(protectedFolders(undefined), ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/sbin', '/sys', '/usr', '/var']);
  assert.ok(!protectedFolders('/var/lib/amphi/recordings').some((f) => '/var/lib/amphi/recordings'.startsWith(f)));
  assert.ok(protectedFolders('/var/lib/amphi/recordings').includes('/var/log'));
  assert.ok(protectedFolders('/var/lib/amphi/recordings').includes('/etc'));
  assert.ok(protectedFolders('/srv/amphi/data/recordings').includes('/var'));
});

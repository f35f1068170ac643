import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('defaults: localhost, SQLite in the data folder, a managed Janus', () => {
  const c = loadConfig({}, '/srv/amphi');
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.publicUrl.toString(), 'http://localhost:8080/');
  assert.equal(c.dataDir, '/srv/amphi/data');
  assert.deepEqual(c.database, { kind: 'sqlite', file: '/srv/amphi/data/amphi.sqlite' });
  assert.equal(c.janus.mode, 'managed');
  assert.deepEqual(c.ice.rtpPorts, { min: 20000, max: 40000 });
  assert.deepEqual(c.meetings, { capacity: 300, redirectUrl: null, resumeGraceSeconds: 60 });
});

test('reads every setting', () => {
  const c = loadConfig(
    {
      AMPHI_PORT: '9000',
      AMPHI_HOST: '0.0.0.0',
      AMPHI_PUBLIC_URL: 'https://meet.univ.example',
      AMPHI_DATA_DIR: '/var/lib/amphi',
      AMPHI_DATABASE_URL: 'postgres://amphi@db/amphi',
      AMPHI_ICE_INTERFACE: 'eth0',
      AMPHI_NAT_1_1: '203.0.113.10',
      AMPHI_RTP_PORTS: '30000-31000',
      AMPHI_STUN_SERVER: 'stun.univ.example:3478',
      AMPHI_ICE_SERVERS: '[{"urls":"turn:turn.univ.example:3478","username":"u","credential":"p"}]',
      AMPHI_ADMIN_EMAIL: 'it@univ.example',
      AMPHI_ADMIN_PASSWORD: 'a long enough password',
      AMPHI_MEETING_CAPACITY: '120',
      AMPHI_REDIRECT_URL: 'https://www.univ.example/goodbye',
      AMPHI_RESUME_GRACE_S: '90',
    },
    '/',
  );
  assert.equal(c.port, 9000);
  assert.equal(c.publicUrl.origin, 'https://meet.univ.example');
  assert.deepEqual(c.database, { kind: 'postgres', url: 'postgres://amphi@db/amphi' });
  assert.equal(c.ice.interface, 'eth0');
  assert.equal(c.ice.nat11, '203.0.113.10');
  assert.deepEqual(c.ice.rtpPorts, { min: 30000, max: 31000 });
  assert.equal(c.ice.iceServers[0]?.username, 'u');
  assert.equal(c.admin.email, 'it@univ.example');
  assert.deepEqual(c.meetings, { capacity: 120, redirectUrl: 'https://www.univ.example/goodbye', resumeGraceSeconds: 90 });
});

test('the meeting capacity is a whole number from 2 to 100000; the redirect URL an http(s) address', () => {
  for (const capacity of ['1', '0', '-3', '100001', '2.5', 'many']) {
    assert.throws(() => loadConfig({ AMPHI_MEETING_CAPACITY: capacity }, '/'), /AMPHI_MEETING_CAPACITY/, capacity);
  }
  assert.equal(loadConfig({ AMPHI_MEETING_CAPACITY: '2' }, '/').meetings.capacity, 2);
  assert.equal(loadConfig({ AMPHI_MEETING_CAPACITY: '100000' }, '/').meetings.capacity, 100_000);
  for (const url of ['javascript:alert(1)', 'ftp://univ.example/', 'not a url', 'data:text/html,hi']) {
    assert.throws(() => loadConfig({ AMPHI_REDIRECT_URL: url }, '/'), /AMPHI_REDIRECT_URL/, url);
  }
  assert.equal(loadConfig({ AMPHI_REDIRECT_URL: 'http://univ.example/' }, '/').meetings.redirectUrl, 'http://univ.example/');
  assert.equal(loadConfig({ AMPHI_REDIRECT_URL: '' }, '/').meetings.redirectUrl, null, 'empty means unset');
});

test('an external Janus needs its secrets', () => {
  assert.throws(() => loadConfig({ AMPHI_JANUS_URL: 'ws://10.0.0.5:8188' }, '/'), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 2);
    return true;
  });
  const c = loadConfig({ AMPHI_JANUS_URL: 'ws://10.0.0.5:8188', AMPHI_JANUS_API_SECRET: 's', AMPHI_JANUS_ADMIN_KEY: 'k' }, '/');
  assert.deepEqual(c.janus, { mode: 'external', url: 'ws://10.0.0.5:8188', apiSecret: 's', adminKey: 'k' });
});

test('bad values are all reported, by variable name', () => {
  try {
    loadConfig({ AMPHI_PORT: 'eighty', AMPHI_RTP_PORTS: '40000-20000', AMPHI_PUBLIC_URL: 'not a url', AMPHI_LOG_LEVEL: 'loud' }, '/');
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const name of ['AMPHI_PORT', 'AMPHI_RTP_PORTS', 'AMPHI_PUBLIC_URL', 'AMPHI_LOG_LEVEL']) assert.match(text, new RegExp(name));
  }
});

test('half an administrator, a short password, bad ICE servers JSON and a public URL with a path are refused', () => {
  assert.throws(() => loadConfig({ AMPHI_ADMIN_EMAIL: 'a@b.example' }, '/'), /set both or neither/);
  assert.throws(() => loadConfig({ AMPHI_ADMIN_EMAIL: 'a@b.example', AMPHI_ADMIN_PASSWORD: 'short' }, '/'), /at least 12/);
  assert.throws(() => loadConfig({ AMPHI_ICE_SERVERS: '[{' }, '/'), /AMPHI_ICE_SERVERS: not valid JSON/);
  assert.throws(() => loadConfig({ AMPHI_ICE_SERVERS: '[{"url":"x"}]' }, '/'), /AMPHI_ICE_SERVERS: expected/);
  assert.throws(() => loadConfig({ AMPHI_PUBLIC_URL: 'https://univ.example/amphi' }, '/'), /root of its host/);
});

test('variables that are not Amphi\'s are ignored, empty ones mean "unset"', () => {
  const c = loadConfig({ PORT: '1', AMPHI_PORT: '' }, '/');
  assert.equal(c.port, 8080);
});

test('cloud recordings live in the data folder and are kept 60 days unless told otherwise (1 to 3650)', () => {
  assert.deepEqual(loadConfig({}, '/srv/amphi').recordings, { dir: '/srv/amphi/data/recordings', retentionDays: 60, minFreeBytes: 1024 * 1024 * 1024, segmentS: 60 });
  assert.deepEqual(loadConfig({ AMPHI_DATA_DIR: '/var/lib/amphi', AMPHI_RECORDING_RETENTION_DAYS: '30', AMPHI_RECORDING_MIN_FREE_MB: '0', AMPHI_RECORDING_SEGMENT_S: '120' }, '/').recordings, { dir: '/var/lib/amphi/recordings', retentionDays: 30, minFreeBytes: 0, segmentS: 120 });
  assert.deepEqual(loadConfig({}, '/').licences, { pool: 0, autoStaff: true });
  assert.deepEqual(loadConfig({ AMPHI_LICENCE_POOL: '40', AMPHI_LICENCE_STAFF_AUTO: 'false' }, '/').licences, { pool: 40, autoStaff: false });
  assert.equal(loadConfig({ AMPHI_RECORDING_RETENTION_DAYS: '1' }, '/').recordings.retentionDays, 1);
  assert.equal(loadConfig({ AMPHI_RECORDING_RETENTION_DAYS: '3650' }, '/').recordings.retentionDays, 3650);
  assert.equal(loadConfig({ AMPHI_RECORDING_RETENTION_DAYS: '' }, '/').recordings.retentionDays, 60, 'empty means unset');
  for (const days of ['0', '-1', '3651', '7.5', 'forever']) {
    assert.throws(() => loadConfig({ AMPHI_RECORDING_RETENTION_DAYS: days }, '/'), /AMPHI_RECORDING_RETENTION_DAYS/, days);
  }
});

test('a shared Redis and the user to run as are named, checked, and off by default', () => {
  const defaults = loadConfig({}, '/');
  assert.equal(defaults.redisUrl, undefined);
  assert.equal(defaults.runAs, undefined);
  const set = loadConfig({ AMPHI_REDIS_URL: 'redis://10.0.0.7:6379', AMPHI_RUN_AS: 'amphi' }, '/');
  assert.equal(set.redisUrl, 'redis://10.0.0.7:6379');
  assert.equal(set.runAs, 'amphi');
  assert.throws(() => loadConfig({ AMPHI_REDIS_URL: 'http://10.0.0.7:6379' }, '/'), /AMPHI_REDIS_URL/);
  assert.throws(() => loadConfig({ AMPHI_RUN_AS: 'Amphi; rm -rf /' }, '/'), /AMPHI_RUN_AS/);
  assert.equal(loadConfig({ AMPHI_RUN_AS: '' }, '/').runAs, undefined, 'empty: stay who it is');
});

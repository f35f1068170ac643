import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { accountNamed, runAs } from './privileges.ts';

// Becoming the user for real is tested from outside, on a running Amphi (tests/e2e/privileges.test.ts):
// here, only what is refused before anything changes.
test('accounts are read from passwd lines', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-passwd-'));
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\namphi:x:998:997::/nonexistent:/usr/sbin/nologin\namphiX:x:5:5::/:/bin/sh\n');
  try {
    assert.deepEqual(accountNamed('amphi', file), { name: 'amphi', uid: 998, gid: 997 });
    assert.equal(accountNamed('amph', file), undefined);
    assert.equal(accountNamed('nobody-here', file), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runAs refuses an unknown user and root, and changes nothing then', () => {
  const dataDir = path.join(os.tmpdir(), `amphi-never-made-${process.pid}`);
  assert.throws(() => runAs('no-such-user-amphi', dataDir), /there is no user "no-such-user-amphi"/);
  assert.throws(() => runAs('root', dataDir), /"root" is root/);
  assert.equal(fs.existsSync(dataDir), false);
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DocumentFiles } from './DocumentFiles.ts';

test('documents are stored per meeting, read back, removed one by one or with their meeting, and swept at start', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-docs-'));
  const files = new DocumentFiles(path.join(dir, 'documents'));
  await files.sweep();
  await files.put('abc-defg-hjk', 'd1', Buffer.from('%PDF-1 one'));
  await files.put('abc-defg-hjk', 'd2', Buffer.from('%PDF-1 two'));
  await files.put('xyz-defg-hjk', 'd3', Buffer.from('%PDF-1 three'));
  assert.equal((await files.read('abc-defg-hjk', 'd1'))?.toString(), '%PDF-1 one');
  assert.equal(await files.read('abc-defg-hjk', 'nope'), undefined);
  await files.remove('abc-defg-hjk', 'd1');
  assert.equal(await files.read('abc-defg-hjk', 'd1'), undefined);
  await files.removeMeeting('abc-defg-hjk');
  assert.equal(await files.read('abc-defg-hjk', 'd2'), undefined);
  assert.ok(await files.read('xyz-defg-hjk', 'd3'), 'other meetings keep theirs');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'documents', 'xyz-defg-hjk')), ['d3.pdf'], 'no half-written files left');
  await files.sweep();
  assert.deepEqual(fs.readdirSync(path.join(dir, 'documents')), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ids that could leave the folder are refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-docs-'));
  const files = new DocumentFiles(dir);
  await assert.rejects(files.put('../etc', 'd1', Buffer.from('x')));
  await assert.rejects(files.read('abc', '../../passwd'));
  await files.removeMeeting('..');
  assert.ok(fs.existsSync(dir));
  fs.rmSync(dir, { recursive: true, force: true });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localRecordingType } from './LocalRecorder.ts';

test('MP4 where the browser records it, WebM otherwise, nothing when it records neither', () => {
  assert.deepEqual(localRecordingType(() => true), { mimeType: 'video/mp4;codecs=avc1.42E01E,mp4a.40.2', extension: 'mp4' });
  assert.deepEqual(localRecordingType((t) => t.startsWith('video/webm')), { mimeType: 'video/webm;codecs=vp8,opus', extension: 'webm' });
  assert.equal(localRecordingType(() => false), undefined);
});

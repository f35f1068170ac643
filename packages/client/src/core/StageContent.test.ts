import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Stroke } from '@amphi/protocol';
import { applyEvent, surfaceOf } from './StageContent.ts';

const stroke = (id: string, authorId = 'a'): Stroke => ({ id, tool: 'pen', width: 0.004, points: [[0.1, 0.1]], authorId, authorName: authorId, color: '#000' });

test('annotation events: put adds or replaces in place, append grows, remove and clear drop, nothing is mutated', () => {
  const start = [stroke('s1'), stroke('s2', 'b')];
  const frozen = structuredClone(start);
  let s = applyEvent(start, { kind: 'put', stroke: { ...stroke('s1'), tool: 'rectangle' } });
  assert.deepEqual(s.map((x) => [x.id, x.tool]), [['s1', 'rectangle'], ['s2', 'pen']]);
  s = applyEvent(s, { kind: 'append', id: 's2', points: [[0.5, 0.5]] });
  assert.deepEqual(s[1]?.points, [[0.1, 0.1], [0.5, 0.5]]);
  s = applyEvent(s, { kind: 'put', stroke: stroke('s3') });
  assert.deepEqual(applyEvent(s, { kind: 'remove', ids: ['s1', 'nope'] }).map((x) => x.id), ['s2', 's3']);
  assert.deepEqual(applyEvent(s, { kind: 'clear', authorId: 'a' }).map((x) => x.id), ['s2']);
  assert.deepEqual(applyEvent(s, { kind: 'clear', authorId: null }), []);
  assert.deepEqual(start, frozen);
});

test('the surface of a presentation', () => {
  assert.equal(surfaceOf({ kind: 'whiteboard', presenterId: 'p' }), 'board');
  assert.equal(surfaceOf({ kind: 'document', presenterId: 'p', documentId: 'd1', view: { page: 3, zoom: 1, x: 0.5, y: 0.5 } }), 'doc:d1:3');
});

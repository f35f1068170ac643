import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { MAX_SURFACE_STROKES, type AnnotateOp } from '@amphi/protocol';
import { cleanUpWorlds, OWNER_ID, throwsWithCode, World, type Member } from './testing/fakes.ts';

afterEach(cleanUpWorlds);

const pen = (id: string, points: [number, number][] = [[0.1, 0.1], [0.2, 0.2]]): AnnotateOp => ({ kind: 'put', stroke: { id, tool: 'pen', width: 0.004, points } });

async function meetingWithDocument(settings = {}): Promise<{ w: World; host: Member; bob: Member; docId: string }> {
  const w = new World({ settings });
  const host = await w.join('Olive', OWNER_ID);
  const bob = await w.join('Bob');
  const doc = host.meeting.documents.add(host.participant, { id: 'd1', name: 'slides.pptx', pages: 3 });
  return { w, host, bob, docId: doc.id };
}

describe('presenting a document', () => {
  test('everyone sees the list, the presented page and the page turns; a late joiner lands on the current page', async () => {
    const { w, host, bob, docId } = await meetingWithDocument();
    assert.equal(bob.channel.last('documents').documents[0]?.name, 'slides.pptx');
    host.meeting.stage.present(host.participant, { kind: 'document', documentId: docId });
    assert.deepEqual(bob.channel.last('meeting-state').state.presentation, { kind: 'document', presenterId: host.participant.id, documentId: docId, view: { page: 1, zoom: 1, x: 0.5, y: 0.5 } });
    host.meeting.stage.setView(host.participant, { page: 2, zoom: 2, x: 0.25, y: 0.75 });
    const presentation = bob.channel.last('meeting-state').state.presentation;
    assert.equal(presentation?.kind === 'document' && presentation.view.page, 2);
    const late = await w.join('Cleo');
    const joined = late.channel.last('joined');
    assert.equal(joined.state.presentation?.kind === 'document' && joined.state.presentation.view.page, 2);
    assert.equal(joined.documents.length, 1);
    assert.ok(joined.token.length >= 32, 'each participant gets their own credential');
    assert.notEqual(joined.token, bob.channel.last('joined').token);
    assert.equal(late.channel.last('annotations').surface, `doc:${docId}:2`);
  });

  test('only the presenter or hosts turn pages; pages past the end are refused; participants present only when sharing is allowed', async () => {
    const { host, bob, docId } = await meetingWithDocument({ allowShare: false });
    throwsWithCode(() => bob.meeting.stage.present(bob.participant, { kind: 'document', documentId: docId }), 'auth.forbidden');
    throwsWithCode(() => bob.meeting.documents.assertMayUpload(bob.participant), 'auth.forbidden');
    throwsWithCode(() => host.meeting.stage.present(host.participant, { kind: 'document', documentId: 'nope' }), 'document.not_found');
    host.meeting.stage.present(host.participant, { kind: 'document', documentId: docId });
    throwsWithCode(() => bob.meeting.stage.setView(bob.participant, { page: 2, zoom: 1, x: 0.5, y: 0.5 }), 'auth.forbidden');
    throwsWithCode(() => host.meeting.stage.setView(host.participant, { page: 4, zoom: 1, x: 0.5, y: 0.5 }), 'protocol.invalid');
    throwsWithCode(() => bob.meeting.stage.stopPresenting(bob.participant), 'auth.forbidden');
    host.meeting.stage.stopPresenting(host.participant);
    assert.equal(bob.channel.last('meeting-state').state.presentation, null);
  });

  test('downloading is for hosts and the uploader until a host allows it; removing a document takes it off the stage', async () => {
    const { host, bob, docId } = await meetingWithDocument();
    const doc = host.meeting.documents.require(docId);
    assert.equal(host.meeting.documents.mayDownload(bob.participant, doc), false);
    assert.equal(host.meeting.documents.mayDownload(host.participant, doc), true);
    throwsWithCode(() => bob.meeting.documents.setDownloadable(bob.participant, docId, true), 'auth.forbidden');
    host.meeting.documents.setDownloadable(host.participant, docId, true);
    assert.equal(bob.channel.last('documents').documents[0]?.downloadable, true);
    assert.equal(host.meeting.documents.mayDownload(bob.participant, host.meeting.documents.require(docId)), true);
    host.meeting.stage.present(host.participant, { kind: 'document', documentId: docId });
    host.meeting.documents.remove(host.participant, docId);
    assert.equal(bob.channel.last('meeting-state').state.presentation, null);
    assert.deepEqual(bob.channel.last('documents').documents, []);
  });

  test('one thing on the stage at a time unless hosts allow several shares; the presenter leaving ends the presentation', async () => {
    const { w, host, bob, docId } = await meetingWithDocument();
    for (const m of [host, bob]) await w.goLive(m);
    host.meeting.stage.present(host.participant, { kind: 'document', documentId: docId });
    await bob.meeting.publish(bob.participant, 'bob screen', { video: '2' });
    bob.meeting.stage.startShare(bob.participant);
    assert.equal(bob.channel.last('meeting-state').state.presentation, null, 'a new share replaces the document');
    assert.deepEqual(host.channel.last('moderated'), { type: 'moderated', action: 'share-stopped', by: 'Bob' });
    host.meeting.moderation.setPermissions(host.participant, { multiShare: true });
    host.meeting.stage.present(host.participant, { kind: 'whiteboard' });
    assert.equal(bob.participant.sharing, true, 'with several shares allowed, the screen stays');
    assert.equal(bob.channel.last('meeting-state').state.presentation?.kind, 'whiteboard');
    assert.deepEqual(host.meeting.stage.surfaces().sort(), ['board', `screen:${bob.participant.id}`]);
    host.meeting.leave(host.participant);
    assert.equal(bob.channel.last('meeting-state').state.presentation, null);
  });
});

describe('annotations', () => {
  async function board(settings = {}): Promise<{ w: World; host: Member; bob: Member }> {
    const w = new World({ settings });
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    host.meeting.stage.present(host.participant, { kind: 'whiteboard' });
    return { w, host, bob };
  }

  test('strokes reach everyone with their author and colour, grow while drawn, and a late joiner gets the drawing', async () => {
    const { w, host, bob } = await board();
    const a = host.meeting.annotations;
    a.annotate(bob.participant, 'board', pen('s1'));
    a.annotate(bob.participant, 'board', { kind: 'append', id: 's1', points: [[0.3, 0.3]] });
    const put = host.channel.ofType('annotation')[0];
    assert.equal(put?.event.kind === 'put' && put.event.stroke.authorName, 'Bob');
    assert.equal(put?.event.kind === 'put' && put.event.stroke.color, bob.participant.color);
    assert.notEqual(bob.participant.color, host.participant.color, 'a colour per person');
    assert.deepEqual(host.channel.last('annotation').event, { kind: 'append', id: 's1', points: [[0.3, 0.3]] });
    const late = await w.join('Cleo');
    const snapshot = late.channel.last('annotations');
    assert.equal(snapshot.surface, 'board');
    assert.deepEqual(snapshot.strokes[0]?.points, [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]);
  });

  test('undo, erase and clear: one’s own strokes; hosts may erase and clear anyone’s', async () => {
    const { host, bob } = await board();
    const a = host.meeting.annotations;
    a.annotate(bob.participant, 'board', pen('b1'));
    a.annotate(bob.participant, 'board', pen('b2'));
    a.annotate(host.participant, 'board', pen('h1'));
    throwsWithCode(() => a.annotate(bob.participant, 'board', { kind: 'erase', ids: ['h1'] }), 'auth.forbidden');
    throwsWithCode(() => a.annotate(bob.participant, 'board', pen('h1')), 'auth.forbidden');
    throwsWithCode(() => a.annotate(bob.participant, 'board', { kind: 'clear', scope: 'all' }), 'auth.forbidden');
    a.annotate(bob.participant, 'board', { kind: 'undo' });
    assert.deepEqual(a.strokes('board').map((s) => s.id), ['b1', 'h1']);
    a.annotate(host.participant, 'board', { kind: 'erase', ids: ['b1'] });
    assert.deepEqual(bob.channel.last('annotation').event, { kind: 'remove', ids: ['b1'] });
    a.annotate(bob.participant, 'board', pen('b3'));
    a.annotate(bob.participant, 'board', { kind: 'clear', scope: 'mine' });
    assert.deepEqual(a.strokes('board').map((s) => s.id), ['h1']);
    a.annotate(host.participant, 'board', { kind: 'clear', scope: 'all' });
    assert.deepEqual(a.strokes('board'), []);
    assert.deepEqual(bob.channel.last('annotation').event, { kind: 'clear', authorId: null });
  });

  test('only what is on the stage can be drawn on; hosts choose whether participants draw', async () => {
    const { host, bob } = await board();
    const a = host.meeting.annotations;
    throwsWithCode(() => a.annotate(bob.participant, 'doc:d1:1', pen('x')), 'protocol.out_of_order');
    throwsWithCode(() => a.annotate(bob.participant, `screen:${host.participant.id}`, pen('x')), 'protocol.out_of_order');
    host.meeting.moderation.setPermissions(host.participant, { allowAnnotate: false });
    throwsWithCode(() => a.annotate(bob.participant, 'board', pen('x')), 'auth.forbidden');
    a.annotate(host.participant, 'board', pen('h'));
  });

  test('a flood from one client is cut off, not relayed; others still draw; a full surface refuses more', async () => {
    const { host, bob } = await board();
    const a = host.meeting.annotations;
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        a.annotate(bob.participant, 'board', pen(`f${i}`));
      } catch (err) {
        assert.equal((err as { code: string }).code, 'protocol.rate_limited');
        refused++;
      }
    }
    const relayed = host.channel.ofType('annotation').length;
    assert.ok(relayed <= 200, `at most 200 ops relayed in 10 s, got ${relayed}`);
    assert.ok(refused >= 1 && refused < 10, `the flooder is told now and then (${refused} times), not per op`);
    a.annotate(host.participant, 'board', pen('still-here'));
    assert.equal(bob.channel.last('annotation').event.kind, 'put');
  });

  test('a full surface refuses more with annotation.full and keeps what it holds', async () => {
    const { w, host } = await board();
    const a = host.meeting.annotations;
    const long = Array.from({ length: 2000 }, (_, i) => [0.5, i / 2000] as [number, number]);
    // Three people fill it (60 000 points), each within their own rate budget.
    const drawers = [host, await w.join('D1'), await w.join('D2')];
    for (const [n, d] of drawers.entries()) for (let i = 0; i < 10; i++) a.annotate(d.participant, 'board', pen(`s${n}-${i}`, long));
    const fourth = await w.join('D3');
    throwsWithCode(() => a.annotate(fourth.participant, 'board', pen('one-more')), 'annotation.full');
    assert.equal(a.strokes('board').length, 30);
  });
});

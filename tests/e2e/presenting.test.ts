import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeEncryptedPdf, makePdf, makePptx, makeTruncatedPdf, makeUnconvertibleOffice, PAGE_COLORS } from '../fixtures/documents.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { joinByLink, openPanel, signIn } from './harness/flows.ts';
import { WsClient, type Received } from './harness/wsClient.ts';

/** The RGBA of a canvas at a point given relative to its size (0–1). */
async function pixelAt(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.locator(selector).evaluate(
    (el, [rx, ry]) => {
      const canvas = el as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(Math.floor(rx! * (canvas.width - 1)), Math.floor(ry! * (canvas.height - 1)), 1, 1).data;
      return [data[0]!, data[1]!, data[2]!, data[3]!];
    },
    [x, y],
  );
}

function near(actual: number[], expected: readonly number[], tolerance = 16): boolean {
  return expected.every((v, i) => Math.abs((actual[i] ?? -999) - v) <= tolerance);
}

function hexToRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** Waits until the presented page is drawn on `page` and its colour is page `n`'s. */
async function showsPage(page: Page, n: number): Promise<void> {
  await page.locator(`[data-testid="document-stage"] canvas.pdf-page[data-rendered-page="${n}"]`).waitFor({ timeout: 30_000 });
  const color = await pixelAt(page, '[data-testid="document-stage"] canvas.pdf-page', 0.08, 0.5);
  assert.ok(near(color, PAGE_COLORS[(n - 1) % PAGE_COLORS.length]!), `page ${n} colour, got ${color}`);
}

const layerOn = (what: 'document-stage' | 'whiteboard') => `[data-testid="${what}"] [data-testid="annotation-layer"]`;

/**
 * Turns drawing on and returns the drawing layer's box once the layout has settled: the
 * drawing tools appear above the content and shrink it, so a box read at once may be stale.
 */
async function startDrawing(page: Page, what: 'document-stage' | 'whiteboard') {
  await page.locator(`[data-testid="${what}"] [data-testid="toggle-annotate"]`).click();
  await page.locator(`[data-testid="${what}"] [data-testid="annotation-toolbar"]`).waitFor();
  const layer = page.locator(layerOn(what));
  let last = await layer.boundingBox();
  for (let i = 0; i < 50; i++) {
    await page.waitForTimeout(50);
    const now = await layer.boundingBox();
    if (now && last && now.x === last.x && now.y === last.y && now.width === last.width && now.height === last.height) return now;
    last = now;
  }
  throw new Error(`the drawing layer on ${what} never settled`);
}

describe('presenting documents and drawing on them', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let host: Page;
  let guest: Page;
  let meeting: { id: string; link: string };
  let pptx: Buffer;

  before(async () => {
    [pptx] = await Promise.all([makePptx(3)]);
    amphi = await startAmphi({ AMPHI_DOCUMENT_MAX_MB: '1' });
    browser = await launchBrowser();
    host = (await newParticipantPage(browser, { viewport: { width: 1280, height: 800 } })).page;
    guest = (await newParticipantPage(browser, { viewport: { width: 900, height: 700 } })).page;
    await signIn(host, amphi.url, amphi.admin);
    const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Algebra', settings: { waitingRoom: false } } });
    meeting = (await res.json()).meeting;
    await joinByLink(host, meeting.link, 'Lecturer');
    await joinByLink(guest, meeting.link, 'Student');
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('a PPTX is converted and presented; everyone follows the page; a drawing lines up on another window size and for a late joiner', async () => {
    await openPanel(host, 'documents');
    await host.getByTestId('document-file').setInputFiles({ name: 'Chapter 3.pptx', mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', buffer: pptx });
    await showsPage(guest, 1);
    await showsPage(host, 1);
    assert.match((await guest.getByTestId('page-number').textContent()) ?? '', /Page 1 of 3/);
    assert.equal(await guest.getByTestId('next-page').count(), 0, 'participants follow; they do not turn pages');

    await host.getByTestId('next-page').click();
    await showsPage(guest, 2);

    // The student draws a line across the middle of page 2 on their (smaller) window.
    const box = await startDrawing(guest, 'document-stage');
    await guest.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await guest.mouse.down();
    for (let i = 1; i <= 10; i++) await guest.mouse.move(box.x + box.width * (0.3 + 0.04 * i), box.y + box.height * 0.5);
    await guest.mouse.up();

    const guestColor = hexToRgb((await guest.evaluate(() => document.querySelector('[data-testid="annotation-toolbar"] [data-own-color]')?.getAttribute('data-own-color') ?? '')) || '#000000');
    for (const page of [host, guest]) {
      await page.locator(`${layerOn('document-stage')}[data-strokes="1"]`).waitFor({ timeout: 10_000 });
    }
    // Same place relative to the page on the host's larger window: on the line, and not above it.
    await host.bringToFront();
    await host.waitForFunction((sel) => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      return c !== null && c.getContext('2d')!.getImageData(Math.floor(c.width * 0.5), Math.floor(c.height * 0.5), 1, 1).data[3]! > 0;
    }, layerOn('document-stage'));
    const onLine = await pixelAt(host, layerOn('document-stage'), 0.5, 0.5);
    const above = await pixelAt(host, layerOn('document-stage'), 0.5, 0.3);
    assert.ok(onLine[3]! > 200, `the line is drawn at the middle: ${onLine}`);
    if (guestColor.every((v) => !Number.isNaN(v))) assert.ok(near(onLine.slice(0, 3), guestColor, 40), `in the student's colour ${guestColor}: ${onLine}`);
    assert.equal(above[3], 0, 'nothing drawn above the line');

    // Someone joining now, on a phone, lands on page 2 with the drawing.
    const late = (await newParticipantPage(browser, { viewport: { width: 390, height: 844 } })).page;
    await joinByLink(late, meeting.link, 'Latecomer');
    await showsPage(late, 2);
    await late.locator(`${layerOn('document-stage')}[data-strokes="1"]`).waitFor({ timeout: 10_000 });
    await late.waitForFunction((sel) => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      return c !== null && c.getContext('2d')!.getImageData(Math.floor(c.width * 0.5), Math.floor(c.height * 0.5), 1, 1).data[3]! > 0;
    }, layerOn('document-stage'));
    await late.close();
  });

  test('a PDF is presented as uploaded; the whiteboard replaces it and takes drawings', async () => {
    await host.getByTestId('document-file').setInputFiles({ name: 'handout.pdf', mimeType: 'application/pdf', buffer: await makePdf(2) });
    await host.getByText('handout.pdf', { exact: true }).waitFor({ timeout: 30_000 });
    await showsPage(guest, 1);
    await host.getByTestId('open-whiteboard').click();
    await guest.getByTestId('whiteboard').waitFor({ timeout: 10_000 });
    const box = await startDrawing(host, 'whiteboard');
    await host.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
    await host.mouse.down();
    await host.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 8 });
    await host.mouse.up();
    await guest.locator(`${layerOn('whiteboard')}[data-strokes="1"]`).waitFor({ timeout: 10_000 });
    await host.getByTestId('stop-presenting').click();
    await guest.getByTestId('whiteboard').waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('bad uploads get a clear, typed refusal; what was uploaded before stays', async () => {
    const cy = await WsClient.open(amphi.url);
    const joined = await cy.request({ type: 'join', meetingId: meeting.id, name: 'Cy', audio: false, video: false });
    assert.equal(joined.type, 'joined');
    const token = joined.token as string;
    const before = (joined.documents as { id: string }[]).map((d) => d.id);
    assert.equal(before.length, 2);
    const upload = async (body: Buffer, name: string, auth = `Bearer ${token}`) => {
      const res = await fetch(`${amphi.url}/api/meetings/${meeting.id}/documents?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'x-amphi-csrf': '1', authorization: auth },
        body: new Uint8Array(body),
      });
      return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
    };
    assert.deepEqual(await upload(Buffer.from('\x89PNG\r\n\x1a\n' + 'x'.repeat(100)), 'photo.png'), { status: 415, code: 'document.unsupported' });
    assert.deepEqual(await upload(Buffer.from('just some notes'), 'notes.pdf'), { status: 415, code: 'document.unsupported' });
    assert.deepEqual(await upload(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(1_200_000, 32)]), 'huge.pdf'), { status: 413, code: 'document.too_large' });
    assert.deepEqual(await upload(await makeEncryptedPdf(), 'secret.pdf'), { status: 422, code: 'document.encrypted' });
    assert.deepEqual(await upload(makeTruncatedPdf(), 'broken.pdf'), { status: 422, code: 'document.malformed' });
    assert.deepEqual(await upload(makeUnconvertibleOffice(), 'broken.pptx'), { status: 422, code: 'document.malformed' });
    assert.deepEqual(await upload(await makePdf(1), 'x.pdf', 'Bearer not-a-token'), { status: 401, code: 'auth.unauthenticated' });
    // Reading needs the token too; downloading needs the host's leave.
    const doc = before[0]!;
    assert.equal((await fetch(`${amphi.url}/api/meetings/${meeting.id}/documents/${doc}`)).status, 401);
    const read = await fetch(`${amphi.url}/api/meetings/${meeting.id}/documents/${doc}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('content-type'), 'application/pdf');
    assert.equal((await fetch(`${amphi.url}/api/meetings/${meeting.id}/documents/${doc}?download=1`, { headers: { authorization: `Bearer ${token}` } })).status, 403);
    // Nothing was lost, and the meeting goes on.
    const ping = await cy.request({ type: 'ping' });
    assert.equal(ping.type, 'pong');
    assert.equal(await guest.locator('[data-testid="document-card"]').count(), 0, 'the panel is closed on the guest');
    await openPanel(guest, 'documents');
    assert.equal(await guest.getByTestId('document-card').count(), 2);
    // The person in the browser is told in words.
    await guest.getByTestId('document-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    assert.match((await guest.getByTestId('document-error').textContent({ timeout: 10_000 })) ?? '', /not a document Amphi can present/);
    cy.close();
  });

  test('a stroke flood from one client is cut off and does not reach the others; others keep drawing', async () => {
    await host.getByTestId('toggle-documents').click();
    await openPanel(host, 'documents');
    await host.getByTestId('open-whiteboard').click();
    await guest.getByTestId('whiteboard').waitFor({ timeout: 10_000 });
    const flooder = await WsClient.open(amphi.url);
    assert.equal((await flooder.request({ type: 'join', meetingId: meeting.id, name: 'Flood', audio: false, video: false })).type, 'joined');
    const watcher = await WsClient.open(amphi.url);
    assert.equal((await watcher.request({ type: 'join', meetingId: meeting.id, name: 'Watcher', audio: false, video: false })).type, 'joined');
    const started = watcher.received.length;
    for (let i = 0; i < 2000; i++) {
      flooder.ws.send(JSON.stringify({ type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: `f${i}`, tool: 'pen', width: 0.004, points: [[Math.random(), Math.random()]] } } }));
    }
    const limited = await flooder.waitFor((m: Received) => m.code === 'protocol.rate_limited', 10_000);
    assert.ok(limited);
    // The others still get answers at once, and see only what got through.
    const t0 = Date.now();
    assert.equal((await watcher.request({ type: 'ping' })).type, 'pong');
    const pingMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    const relayed = watcher.received.slice(started).filter((m) => m.type === 'annotation').length;
    assert.ok(relayed <= 300, `at most the flooder's budget is relayed, got ${relayed}`);
    assert.ok(pingMs < 2_000, `another participant's request was answered in ${pingMs} ms`);
    const ok = await watcher.request({ type: 'annotate', surface: 'board', op: { kind: 'put', stroke: { id: 'w1', tool: 'line', width: 0.004, points: [[0.1, 0.1], [0.9, 0.9]] } } });
    assert.equal(ok.type, 'ok', 'someone else still draws');
    flooder.close();
    watcher.close();
  });
});

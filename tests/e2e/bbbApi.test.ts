import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { inMeeting, signIn } from './harness/flows.ts';

/** PHP's urlencode, as Moodle's http_build_query applies it. */
const phpEncode = (s: string) =>
  encodeURIComponent(s)
    .replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');

/*
 * Moodle's BigBlueButton activity against a real Amphi: a consumer made in the admin API, a
 * session created through the BBB API, a teacher and a student following the join URLs in
 * Chromium, and getMeetingInfo counting them.
 */
describe('BigBlueButton-compatible API, as Moodle drives it', { timeout: 240_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let serverUrl: string;
  let secret: string;

  /** The URL Moodle builds for a call (SHA-256, Moodle 4.5's default). */
  const call = (action: string, params: [string, string][]) => {
    const query = params.map(([k, v]) => `${phpEncode(k)}=${phpEncode(v)}`).join('&');
    const checksum = crypto.createHash('sha256').update(action + query + secret).digest('hex');
    return `${serverUrl}api/${action}?${query}&checksum=${checksum}`;
  };
  const xml = async (url: string) => (await fetch(url)).text();
  const tag = (body: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    const admin = (await newParticipantPage(browser)).page;
    await signIn(admin, amphi.url, amphi.admin);
    const res = await admin.context().request.post(amphi.url + '/api/admin/bbb-consumers', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { name: 'Moodle e2e' } });
    assert.equal(res.status(), 201, await res.text());
    const consumer = (await res.json()).consumer as { serverUrl: string; secret: string };
    serverUrl = consumer.serverUrl;
    secret = consumer.secret;
    await admin.close();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('create, then the moderator lands as host and the viewer as participant; getMeetingInfo counts them', async () => {
    assert.equal(tag(await xml(`${serverUrl}api/?&checksum=${crypto.createHash('sha256').update(secret).digest('hex')}`), 'version'), '2.0');
    const meetingID = 'e2e0000000000000000000000000000000000000-2-5[0]';
    const created = await xml(call('create', [['meetingID', meetingID], ['name', 'Physique L3'], ['attendeePW', 'ap'], ['moderatorPW', 'mp'], ['logoutURL', 'https://moodle.example/logout'], ['record', 'false'], ['meta_bbb-origin', 'Moodle']]));
    assert.equal(tag(created, 'returncode'), 'SUCCESS', created);
    const createTime = tag(created, 'createTime')!;

    const join = (name: string, role: string, userID: string) => call('join', [['meetingID', meetingID], ['fullName', name], ['password', role === 'MODERATOR' ? 'mp' : 'ap'], ['logoutURL', 'https://moodle.example/logout'], ['role', role], ['userID', userID], ['guest', 'false'], ['createTime', createTime], ['userdata-bbb_override_default_locale', 'en']]);

    const teacher = (await newParticipantPage(browser)).page;
    await teacher.goto(join('Professeur Martin', 'MODERATOR', '7'));
    const teacherName = teacher.getByLabel('Your name');
    await teacherName.waitFor({ timeout: 15_000 });
    assert.equal(await teacherName.inputValue(), 'Professeur Martin');
    await teacher.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await inMeeting(teacher);

    const student = (await newParticipantPage(browser)).page;
    await student.goto(join('Élodie Dupont', 'VIEWER', '42'));
    const studentName = student.getByLabel('Your name');
    await studentName.waitFor({ timeout: 15_000 });
    assert.equal(await studentName.inputValue(), 'Élodie Dupont');
    await student.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    // No waiting room for a student Moodle sent.
    await inMeeting(student);

    const info = await xml(call('getMeetingInfo', [['meetingID', meetingID]]));
    assert.equal(tag(info, 'running'), 'true', info);
    assert.equal(tag(info, 'participantCount'), '2');
    assert.equal(tag(info, 'moderatorCount'), '1');
    assert.match(info, /<userID>7<\/userID><fullName>Professeur Martin<\/fullName><role>MODERATOR<\/role>/);
    assert.match(info, /<userID>42<\/userID><fullName>Élodie Dupont<\/fullName><role>VIEWER<\/role>/);

    const ended = await xml(call('end', [['meetingID', meetingID], ['password', 'mp']]));
    assert.equal(tag(ended, 'messageKey'), 'sentEndMeetingRequest');
    await student.getByTestId('end-screen').waitFor({ timeout: 15_000 }).catch(() => {});
    assert.equal(tag(await xml(call('getMeetingInfo', [['meetingID', meetingID]])), 'messageKey'), 'notFound');
  });

  test('a recording made in a meeting created through the API is listed by getRecordings, with a playback URL that plays the MP4', async () => {
    const meetingID = 'e2e-rec-0000000000000000000000000000000000-2-6[0]';
    const created = await xml(call('create', [['meetingID', meetingID], ['name', 'Chimie L2'], ['attendeePW', 'ap'], ['moderatorPW', 'mp'], ['record', 'true'], ['meta_bbb-origin', 'Moodle'], ['meta_bbb-recording-name', 'Chimie L2, cours 4']]));
    assert.equal(tag(created, 'returncode'), 'SUCCESS', created);
    const internalId = tag(created, 'internalMeetingID')!;
    const teacher = (await newParticipantPage(browser)).page;
    await teacher.goto(call('join', [['meetingID', meetingID], ['fullName', 'Professeure Curie'], ['password', 'mp'], ['role', 'MODERATOR'], ['userID', '9'], ['createTime', tag(created, 'createTime')!]]));
    await teacher.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await inMeeting(teacher);
    await new Promise((r) => setTimeout(r, 2_000));
    // The moderator hosts for the consumer's service account, which may record to the cloud.
    await teacher.getByTestId('toggle-recording').click();
    await teacher.getByTestId('recording-indicator').waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 5_000));
    // Moodle's "End session" ends the recording with the meeting.
    assert.equal(tag(await xml(call('end', [['meetingID', meetingID], ['password', 'mp']])), 'messageKey'), 'sentEndMeetingRequest');

    let listed = '';
    for (let i = 0; i < 60; i++) {
      listed = await xml(call('getRecordings', [['meetingID', meetingID]]));
      if (/<url>[^<]+<\/url>/.test(listed)) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.equal(tag(listed, 'recordID'), internalId, `the session's recording, under its internalMeetingID: ${listed}`);
    assert.match(listed, /<bbb-recording-name>Chimie L2, cours 4<\/bbb-recording-name>/);
    const playback = tag(listed, 'url')!;

    const viewer = (await newParticipantPage(browser)).page;
    await viewer.goto(playback.replace(/&amp;/g, '&'));
    const video = viewer.locator('video');
    await video.waitFor({ timeout: 15_000 });
    await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play();
    });
    await viewer.waitForFunction(() => {
      const v = document.querySelector('video');
      return v !== null && v.readyState >= 2 && v.currentTime > 1;
    }, undefined, { timeout: 20_000 });
    const state = await video.evaluate((v: HTMLVideoElement) => ({ duration: v.duration, error: v.error?.code ?? null, width: v.videoWidth }));
    assert.equal(state.error, null);
    assert.ok(state.duration > 3 && state.duration < 9, `about the 5 s recorded: ${JSON.stringify(state)}`);
    assert.equal(state.width, 1280);
  });
});

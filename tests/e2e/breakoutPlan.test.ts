import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { signIn } from './harness/flows.ts';

let amphi: RunningAmphi;
let browser: Browser;
before(async () => {
  amphi = await startAmphi();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close().catch(() => {});
  await amphi?.stop();
});

test('the organiser prepares breakout rooms from a CSV file; a guest opens their personal link and is expected in their room', { timeout: 120_000 }, async () => {
  const { context, page: host } = await newParticipantPage(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: amphi.url });
  await signIn(host, amphi.url, amphi.admin);
  const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Group work', settings: { waitingRoom: false } } });
  const meeting = (await res.json()).meeting as { id: string; link: string };

  // On the meeting's card, the organiser opens the breakout editor and imports a spreadsheet.
  await host.goto(amphi.url + '/');
  const card = host.locator(`[data-meeting-id="${meeting.id}"]`);
  await card.getByRole('button', { name: 'Breakout rooms', exact: true }).click();
  const editor = card.getByTestId('breakout-plan');
  await editor.getByText('Nobody yet').waitFor();
  const csv = [
    'name;email;room', // line 1
    'Zoé Durand;zoe@univ.example;Group A', // 2
    '"Martin; Élodie";;Group B', // 3: a guest without email, a quoted name
    'Noé Petit;noe@univ.example;Group A', // 4
    ';nobody@univ.example;Group B', // 5: no name
    'Sam Lee;sam@;Group B', // 6: bad email
    'Ann Other;ann@univ.example;Group B', // 7
  ].join('\r\n');
  await editor.getByLabel('Import CSV').setInputFiles({ name: 'groups.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + csv) });

  const errors = editor.getByRole('alert');
  await errors.getByRole('listitem').first().waitFor({ timeout: 10_000 });
  assert.deepEqual(await errors.getByRole('listitem').allTextContents(), ['Line 5: no name', 'Line 6: not a valid email address']);
  await editor.getByText('4 person(s) imported and saved.').waitFor();
  assert.equal(await editor.getByLabel('Name of room 1').inputValue(), 'Group A');
  assert.equal(await editor.getByLabel('Name of room 2').inputValue(), 'Group B');
  assert.equal(await editor.getByLabel(/^Name, row \d+$/).count(), 4);
  assert.equal(await editor.getByRole('button', { name: /^Copy the link of / }).count(), 4, 'everyone imported has a link');
  assert.equal(await editor.getByLabel('Name, row 2').inputValue(), 'Martin; Élodie');
  assert.equal(await editor.getByLabel('Email, row 2').inputValue(), '');
  assert.equal(await editor.getByLabel('Room, row 2').locator('option:checked').textContent(), 'Group B');

  await editor.getByRole('button', { name: 'Save', exact: true }).click();
  await editor.getByText('Saved.', { exact: true }).waitFor();

  // The guest's personal link, copied from the table.
  await editor.getByRole('button', { name: 'Copy the link of Martin; Élodie' }).click();
  await editor.getByText('Link of Martin; Élodie copied.').waitFor();
  const link = await host.evaluate(() => navigator.clipboard.readText());
  assert.match(link, new RegExp(`^${amphi.url}/m/${meeting.id}\\?invite=[A-Za-z0-9_-]{16,64}$`));
  assert.equal(await editor.getByLabel('Personal link of Martin; Élodie').inputValue(), link);
  const token = new URL(link).searchParams.get('invite')!;

  // The links survive a reload and an edit of someone else.
  await host.reload();
  await card.getByRole('button', { name: 'Breakout rooms', exact: true }).click();
  await editor.getByLabel('Name, row 1').fill('Zoé Durand-Roy');
  await editor.getByRole('button', { name: 'Save', exact: true }).click();
  await editor.getByText('Saved.', { exact: true }).waitFor();
  assert.equal(await editor.getByLabel('Personal link of Martin; Élodie').inputValue(), link);

  // The guest opens the link in another browser: their name is filled in and their room shown.
  const guest = (await newParticipantPage(browser)).page;
  const joinFrames: string[] = [];
  guest.on('websocket', (ws) => ws.on('framesent', (f) => typeof f.payload === 'string' && f.payload.includes('"join"') && joinFrames.push(f.payload)));
  await guest.goto(link);
  await guest.getByText('You are expected in Group B.').waitFor({ timeout: 10_000 });
  assert.equal(await guest.getByLabel('Your name').inputValue(), 'Martin; Élodie');
  // Joining carries the invitation, so the meeting knows who this is.
  await guest.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
  for (let i = 0; i < 100 && joinFrames.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  const join = JSON.parse(joinFrames[0] ?? '{}') as { type?: string; invite?: string };
  assert.equal(join.type, 'join');
  assert.equal(join.invite, token);

  // The plain meeting link greets nobody in particular.
  const other = (await newParticipantPage(browser)).page;
  await other.goto(meeting.link);
  await other.getByLabel('Your name').waitFor();
  assert.equal(await other.getByTestId('invitee-room').count(), 0);
});

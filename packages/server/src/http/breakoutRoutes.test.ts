// Breakout plans prepared on the meeting's card, through Fastify's inject(): a real Storage on a
// temp SQLite file and real sessions, as in http.test.ts. Each test builds its own app.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { BreakoutPlanView, CSRF_HEADER, CsvImportResult, ErrorBody, PublicMeetingView, type ErrorCode } from '@amphi/protocol';
import { hashPassword } from '../auth/passwords.ts';
import type { Storage } from '../storage/Storage.ts';
import { freshApp, PASSWORD, PUBLIC_URL, signIn, organiser } from './testing/httpHarness.ts';

const CSRF = { [CSRF_HEADER]: '1' };
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

interface Harness {
  app: FastifyInstance;
  storage: Storage;
  /** Ada's session cookie; she owns `meetingId`. */
  ada: string;
  /** Eve's session cookie; she owns `otherId`. */
  eve: string;
  meetingId: string;
  otherId: string;
}

/** A fresh app on a fresh database: Ada and Eve, each with a meeting; torn down when the test ends. */
async function setup(t: TestContext): Promise<Harness> {
  const { app, storage } = await freshApp(t);
  const hash = await hashPassword(PASSWORD);
  await organiser(storage, { email: 'ada@example.org', name: 'Ada Lovelace', passwordHash: hash, isAdmin: false });
  await organiser(storage, { email: 'eve@example.org', name: 'Eve', passwordHash: hash, isAdmin: false });
  const ada = await signIn(app, 'ada@example.org');
  const eve = await signIn(app, 'eve@example.org');
  const meetingId = await createMeeting(app, ada, 'Algebra');
  const otherId = await createMeeting(app, eve, 'Eve’s seminar');
  return { app, storage, ada, eve, meetingId, otherId };
}

async function createMeeting(app: FastifyInstance, cookie: string, title: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/meetings', headers: { ...CSRF, cookie }, payload: { title } });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { meeting: { id: string } }).meeting.id;
}

/** Asserts the status and the `{error:{code,message}}` shape; returns the error. */
function errorOf(res: LightMyRequestResponse, status: number): { code: ErrorCode; message: string } {
  assert.equal(res.statusCode, status, res.body);
  const parsed = ErrorBody.safeParse(res.json());
  assert.ok(parsed.success, `error body has the catalogue shape: ${res.body}`);
  return parsed.data.error;
}

const PlanResponse = z.object({ plan: BreakoutPlanView });
const PublicResponse = z.object({ meeting: PublicMeetingView });

const getPlan = (app: FastifyInstance, cookie: string | undefined, id: string) => app.inject({ method: 'GET', url: `/api/meetings/${id}/breakouts`, headers: cookie ? { cookie } : {} });
const putPlan = (app: FastifyInstance, cookie: string | undefined, id: string, payload: unknown) =>
  app.inject({ method: 'PUT', url: `/api/meetings/${id}/breakouts`, headers: { ...CSRF, ...(cookie ? { cookie } : {}) }, payload: payload as Record<string, unknown> });
const postCsv = (app: FastifyInstance, cookie: string | undefined, id: string, body: string | Buffer, contentType = 'text/csv; charset=utf-8') =>
  app.inject({ method: 'POST', url: `/api/meetings/${id}/breakouts/csv`, headers: { ...CSRF, ...(cookie ? { cookie } : {}), 'content-type': contentType }, payload: body });
const publicCard = async (app: FastifyInstance, id: string, query = '') => {
  const res = await app.inject({ method: 'GET', url: `/api/meetings/${id}/public${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return PublicResponse.parse(res.json()).meeting;
};

async function planOf(h: Harness): Promise<BreakoutPlanView> {
  const res = await getPlan(h.app, h.ada, h.meetingId);
  assert.equal(res.statusCode, 200, res.body);
  return PlanResponse.parse(res.json()).plan;
}

async function importCsv(h: Harness, body: string | Buffer): Promise<CsvImportResult> {
  const res = await postCsv(h.app, h.ada, h.meetingId, body);
  assert.equal(res.statusCode, 200, res.body);
  return CsvImportResult.parse(res.json());
}

const people = (plan: BreakoutPlanView) => plan.assignments.map((a) => [a.name, a.email, a.room]);

describe('breakout plan: GET / PUT / DELETE', () => {
  it('the organiser saves a plan and reads it back, each person with a personal link', async (t) => {
    const h = await setup(t);
    assert.deepEqual(await planOf(h), { rooms: [], assignments: [] }, 'no plan yet');
    const res = await putPlan(h.app, h.ada, h.meetingId, {
      rooms: [' Group A ', 'Group B'],
      assignments: [
        { name: ' Zoé Durand ', email: ' Zoe@Example.ORG ', room: 'group a' },
        { name: 'Guest without email', email: '', room: 'Group B' },
        { name: 'Bob', email: null, room: 'Group B' },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const plan = PlanResponse.parse(res.json()).plan;
    assert.deepEqual(plan.rooms, ['Group A', 'Group B'], 'names trimmed');
    assert.deepEqual(people(plan), [
      ['Zoé Durand', 'zoe@example.org', 'Group A'],
      ['Guest without email', null, 'Group B'],
      ['Bob', null, 'Group B'],
    ]);
    for (const a of plan.assignments) {
      assert.match(a.token, TOKEN);
      assert.equal(a.link, `${PUBLIC_URL}/m/${h.meetingId}?invite=${a.token}`);
    }
    assert.deepEqual(await planOf(h), plan);
    assert.deepEqual(await h.storage.meetings.breakoutPlan(h.meetingId), { rooms: plan.rooms, assignments: plan.assignments.map(({ link: _, ...a }) => a) }, 'the live meeting reads the same plan');

    assert.deepEqual((await h.app.inject({ method: 'DELETE', url: `/api/meetings/${h.meetingId}/breakouts`, headers: { ...CSRF, cookie: h.ada } })).json(), { ok: true });
    assert.deepEqual(await planOf(h), { rooms: [], assignments: [] });
    assert.equal((await publicCard(h.app, h.meetingId, `?invite=${plan.assignments[0]!.token}`)).invitee, null, 'a cleared plan\'s links greet nobody');
  });

  it('only the organiser may see or change the plan', async (t) => {
    const h = await setup(t);
    const saved = PlanResponse.parse((await putPlan(h.app, h.ada, h.meetingId, { rooms: ['A'], assignments: [{ name: 'Ada', email: null, room: 'A' }] })).json()).plan;
    for (const [cookie, status, code] of [
      [h.eve, 404, 'meeting.not_found'],
      [undefined, 401, 'auth.unauthenticated'],
    ] as const) {
      assert.equal(errorOf(await getPlan(h.app, cookie, h.meetingId), status).code, code);
      assert.equal(errorOf(await putPlan(h.app, cookie, h.meetingId, { rooms: ['Hijack'], assignments: [] }), status).code, code);
      assert.equal(errorOf(await h.app.inject({ method: 'DELETE', url: `/api/meetings/${h.meetingId}/breakouts`, headers: { ...CSRF, ...(cookie ? { cookie } : {}) } }), status).code, code);
      assert.equal(errorOf(await postCsv(h.app, cookie, h.meetingId, 'Mallory,,Hijack\n'), status).code, code);
    }
    assert.equal(errorOf(await getPlan(h.app, h.ada, 'zzz-zzzz-zzz'), 404).code, 'meeting.not_found');
    assert.equal(errorOf(await getPlan(h.app, h.ada, 'a'.repeat(65)), 404).code, 'meeting.not_found');
    assert.equal(errorOf(await h.app.inject({ method: 'PUT', url: `/api/meetings/${h.meetingId}/breakouts`, headers: { cookie: h.ada }, payload: { rooms: ['X'], assignments: [] } }), 403).code, 'http.csrf');
    assert.deepEqual(await planOf(h), saved, 'nothing changed');
  });

  it('refuses a plan that does not hold together, naming the field', async (t) => {
    const h = await setup(t);
    const bad = async (payload: unknown, field: string) => {
      const err = errorOf(await putPlan(h.app, h.ada, h.meetingId, payload), 400);
      assert.equal(err.code, 'http.invalid_body');
      assert.ok(err.message.startsWith(`${field}:`), `${err.message} names ${field}`);
    };
    const ada = { name: 'Ada', email: null, room: 'A' };
    await bad({ rooms: ['A'], assignments: [{ ...ada, room: 'B' }] }, 'assignments.0.room');
    await bad({ rooms: ['A', 'B', ' a '], assignments: [] }, 'rooms.2');
    await bad({ rooms: ['A'], assignments: [{ ...ada, email: 'x@example.org' }, { name: 'Bob', email: 'X@example.org', room: 'A' }] }, 'assignments.1.email');
    await bad({ rooms: ['A'], assignments: [{ ...ada, email: 'not-an-email' }] }, 'assignments.0.email');
    await bad({ rooms: ['A'], assignments: [{ ...ada, name: '   ' }] }, 'assignments.0.name');
    await bad({ rooms: ['A'], assignments: [{ ...ada, name: 'x'.repeat(65) }] }, 'assignments.0.name');
    await bad({ rooms: ['x'.repeat(61)], assignments: [] }, 'rooms.0');
    await bad({ rooms: [], assignments: [] }, 'rooms');
    await bad({ rooms: Array.from({ length: 51 }, (_, i) => `R${i}`), assignments: [] }, 'rooms');
    await bad({ rooms: ['A'], assignments: Array.from({ length: 1001 }, (_, i) => ({ name: `P${i}`, email: null, room: 'A' })) }, 'assignments');
    await bad({ rooms: ['A'] }, 'assignments');
    assert.deepEqual(await planOf(h), { rooms: [], assignments: [] });
  });

  it('people keep their token, so their link, when the plan is edited', async (t) => {
    const h = await setup(t);
    const first = PlanResponse.parse((await putPlan(h.app, h.ada, h.meetingId, {
      rooms: ['A', 'B'],
      assignments: [
        { name: 'Bob', email: 'bob@example.org', room: 'A' },
        { name: 'Élodie Martin', email: null, room: 'B' },
      ],
    })).json()).plan;
    const second = PlanResponse.parse((await putPlan(h.app, h.ada, h.meetingId, {
      rooms: ['B', 'C'],
      assignments: [
        { name: 'New person', email: null, room: 'C' },
        { name: 'elodie martin', email: 'elodie@example.org', room: 'C' },
        { name: 'Robert', email: 'BOB@example.org', room: 'B' },
      ],
    })).json()).plan;
    assert.equal(second.assignments[2]!.token, first.assignments[0]!.token, 'same email');
    assert.equal(second.assignments[1]!.token, first.assignments[1]!.token, 'same name, case and accents aside');
    assert.equal(second.assignments[1]!.link, first.assignments[1]!.link);
    assert.ok(!first.assignments.some((a) => a.token === second.assignments[0]!.token), 'a new person gets a new token');
    // An import that moves someone keeps their token too.
    const moved = await importCsv(h, 'name,email,room\nRobert,bob@example.org,C\n');
    assert.equal(moved.plan.assignments.find((a) => a.email === 'bob@example.org')?.token, first.assignments[0]!.token);
    assert.equal(moved.plan.assignments.find((a) => a.email === 'bob@example.org')?.room, 'C');
  });
});

describe('breakout plan: CSV import', () => {
  it('reads a French spreadsheet: BOM, ";" separators, header in another order, CRLF', async (t) => {
    const h = await setup(t);
    const csv = '\ufeffSalle;Nom;Courriel\r\nGroupe 1;Zoé Durand;zoe@univ.example\r\nGroupe 2;"Martin; Élodie";\r\n\r\ngroupe 1;Noé;noe@univ.example\r\n';
    const result = await importCsv(h, csv);
    assert.deepEqual(result.errors, []);
    assert.equal(result.accepted, 3);
    assert.deepEqual(result.plan.rooms, ['Groupe 1', 'Groupe 2'], 'rooms added in the order met, whatever their case');
    assert.deepEqual(people(result.plan), [
      ['Zoé Durand', 'zoe@univ.example', 'Groupe 1'],
      ['Martin; Élodie', null, 'Groupe 2'],
      ['Noé', 'noe@univ.example', 'Groupe 1'],
    ]);
    for (const a of result.plan.assignments) assert.equal(a.link, `${PUBLIC_URL}/m/${h.meetingId}?invite=${a.token}`);
    assert.deepEqual(await planOf(h), result.plan, 'saved');
  });

  it('reads a file without header, with quoted names holding commas and quotes, and "groupe" / "email" headers', async (t) => {
    const h = await setup(t);
    const noHeader = await importCsv(h, '"Dupont, Jean",jean@example.org,Room 1\n"Ada ""the Countess"" Lovelace",,Room 2\n"Line\nBreak",lb@example.org,Room 1\n');
    assert.deepEqual(noHeader.errors, []);
    assert.deepEqual(people(noHeader.plan), [
      ['Dupont, Jean', 'jean@example.org', 'Room 1'],
      ['Ada "the Countess" Lovelace', null, 'Room 2'],
      ['Line Break', 'lb@example.org', 'Room 1'],
    ]);
    const french = await importCsv(h, 'prénom;nom;e-mail;groupe\nJean;Dupont;jean@example.org;Room 2\n');
    assert.deepEqual(french.errors, []);
    assert.deepEqual(french.plan.assignments[0], { ...noHeader.plan.assignments[0]!, name: 'Jean Dupont', room: 'Room 2' }, 'same email: the same person, moved, same link');
    assert.equal(french.plan.assignments.length, 3);
  });

  it('reports bad rows with their line numbers and keeps the good ones', async (t) => {
    const h = await setup(t);
    await putPlan(h.app, h.ada, h.meetingId, { rooms: ['Existing'], assignments: [{ name: 'Already there', email: 'there@example.org', room: 'Existing' }] });
    const csv = [
      'name,email,room', // 1
      'Ada,ada@example.org,A', // 2
      ',nobody@example.org,A', // 3: no name
      'Bob,bob@,B', // 4: bad email
      'Carol,carol@example.org,', // 5: no room
      'Dan,,B', // 6
      'Eve,ADA@example.org,B', // 7: duplicate email
      '', // 8: blank, skipped
      '"Fay",fay@example.org,"B"', // 9
    ].join('\n');
    const result = await importCsv(h, csv);
    assert.deepEqual(result.errors.map((e) => [e.line, e.problem]), [
      [3, 'missing_name'],
      [4, 'bad_email'],
      [5, 'missing_room'],
      [7, 'duplicate_email'],
    ]);
    for (const e of result.errors) assert.ok(e.message.length > 0);
    assert.match(result.errors[3]!.message, /line 2/);
    assert.equal(result.accepted, 3);
    assert.deepEqual(result.plan.rooms, ['Existing', 'A', 'B']);
    assert.deepEqual(people(result.plan), [
      ['Already there', 'there@example.org', 'Existing'],
      ['Ada', 'ada@example.org', 'A'],
      ['Dan', null, 'B'],
      ['Fay', 'fay@example.org', 'B'],
    ]);
    assert.deepEqual(await planOf(h), result.plan);
  });

  it('reads a Windows-1252 file, and reports rows past the limits', async (t) => {
    const h = await setup(t);
    const latin1 = Buffer.from('nom;salle\nJos\xe9;Caf\xe9\n', 'latin1');
    const result = await importCsv(h, latin1);
    assert.deepEqual(people(result.plan), [['José', null, 'Café']]);
    const rooms = Array.from({ length: 50 }, (_, i) => `name,,R${i}`).join('\n');
    const full = await importCsv(h, rooms);
    assert.equal(full.accepted, 49, 'Café and 49 more make 50 rooms');
    assert.deepEqual(full.errors.map((e) => [e.line, e.problem]), [[50, 'too_many_rooms']]);
    assert.equal(full.plan.rooms.length, 50);
  });

  it('refuses what is not a CSV file of people, and changes nothing', async (t) => {
    const h = await setup(t);
    const refused = async (res: LightMyRequestResponse, status: number, code: ErrorCode) => assert.equal(errorOf(res, status).code, code);
    await refused(await postCsv(h.app, h.ada, h.meetingId, JSON.stringify({ a: 1 }), 'application/json'), 400, 'http.invalid_body');
    await refused(await postCsv(h.app, h.ada, h.meetingId, 'a,b,c', 'text/plain'), 400, 'http.invalid_body');
    await refused(await postCsv(h.app, h.ada, h.meetingId, '\ufeff\n\n'), 400, 'http.invalid_body');
    await refused(await postCsv(h.app, h.ada, h.meetingId, ''), 400, 'http.invalid_body');
    await refused(await postCsv(h.app, h.ada, h.meetingId, 'x,,R\n'.repeat(60_000)), 413, 'protocol.too_large');
    assert.deepEqual(await planOf(h), { rooms: [], assignments: [] });
    // Only bad rows: reported, nothing saved, not an error.
    const none = await importCsv(h, 'name,email,room\n,,\nBob,bad,A\n');
    assert.equal(none.accepted, 0);
    assert.deepEqual(none.errors.map((e) => e.line), [3]);
    assert.deepEqual(none.plan, { rooms: [], assignments: [] });
  });
});

describe('GET /api/meetings/:id/public?invite=', () => {
  it('greets the person a personal link was made for, and nobody for another meeting\'s token', async (t) => {
    const h = await setup(t);
    const plan = PlanResponse.parse((await putPlan(h.app, h.ada, h.meetingId, { rooms: ['Groupe 1', 'Groupe 2'], assignments: [{ name: 'Zoé', email: null, room: 'Groupe 2' }] })).json()).plan;
    const other = await h.app.inject({ method: 'PUT', url: `/api/meetings/${h.otherId}/breakouts`, headers: { ...CSRF, cookie: h.eve }, payload: { rooms: ['X'], assignments: [{ name: 'Mallory', email: null, room: 'X' }] } });
    const otherToken = PlanResponse.parse(other.json()).plan.assignments[0]!.token;
    const zoe = plan.assignments[0]!;

    const card = await publicCard(h.app, h.meetingId, `?invite=${zoe.token}`);
    assert.deepEqual(card, { id: h.meetingId, title: 'Algebra', organiser: 'Ada Lovelace', live: false, passcodeRequired: false, recording: false, invitee: { name: 'Zoé', room: 'Groupe 2' } });
    assert.equal((await publicCard(h.app, h.meetingId, new URL(zoe.link).search)).invitee?.name, 'Zoé', 'the link itself works');
    assert.equal((await publicCard(h.app, h.meetingId, `?invite=${otherToken}`)).invitee, null, "another meeting's token");
    assert.equal((await publicCard(h.app, h.otherId, `?invite=${zoe.token}`)).invitee, null);
    assert.equal((await publicCard(h.app, h.otherId, `?invite=${otherToken}`)).invitee?.name, 'Mallory');
    assert.equal((await publicCard(h.app, h.meetingId, '?invite=short')).invitee, null, 'a malformed token is not an error');
    assert.equal((await publicCard(h.app, h.meetingId, `?invite=${'A'.repeat(32)}`)).invitee, null);
    assert.equal((await publicCard(h.app, h.meetingId, `?invite=${zoe.token}&invite=${zoe.token}`)).invitee, null);
    assert.equal((await publicCard(h.app, h.meetingId)).invitee, null);
  });
});

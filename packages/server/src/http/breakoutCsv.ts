import { BREAKOUT_PLAN_LIMITS, BreakoutAssignmentDraft, type CsvRowProblem } from '@amphi/protocol';
import { matchPeople, normaliseName } from '../domain/names.ts';
import type { BreakoutPlan } from '../ports/MeetingDirectory.ts';
import type { BreakoutPlanDraft } from '../storage/BreakoutPlanRepository.ts';

/**
 * The CSV file an organiser imports into a breakout plan: one person a row (name, email, room).
 *
 * Spreadsheets write these files in many ways, so the reader is lenient where it can be sure:
 * a header row is optional and recognised in English or French, in any column order; the
 * separator is `,` or `;` (French Excel); fields may be quoted, with `""` for a quote; UTF-8
 * with or without a BOM, and a file that is not UTF-8 is read as Windows-1252 (what Excel
 * writes on a French Windows). A bad row is reported with its line number and left out; the
 * good rows are kept.
 */

/** One valid row. */
export interface CsvPerson {
  /** Line of the file where the row starts (1 = the first line). */
  line: number;
  name: string;
  email: string | null;
  room: string;
}

/** One row left out, and why. */
export interface CsvRowError {
  line: number;
  message: string;
  problem: CsvRowProblem;
}

/** The text of an uploaded file: UTF-8 (BOM removed), else Windows-1252. */
export function decodeCsv(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = windows1252(bytes);
  }
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

/** 0x80–0x9F in Windows-1252 (Node's TextDecoder reads that label as Latin-1, so without € or œ). */
const CP1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

function windows1252(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : String.fromCharCode(b);
  return out;
}

/** A record of the file: its cells, and the line it starts on (a quoted cell may span lines). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Splits CSV text into records. The separator is `;` when the first line has more of them than `,` (outside quotes). */
export function csvRecords(text: string): CsvRecord[] {
  const sep = separatorOf(text);
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.some((c) => c.trim() !== '')) records.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
      }
    } else if (c === '"' && cell.trim() === '') {
      // Spaces before an opening quote are dropped, as spreadsheets do.
      quoted = true;
      cell = '';
    } else if (c === sep) {
      cells.push(cell);
      cell = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

function separatorOf(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** Header words, as normaliseName writes them, with hyphens and underscores read as spaces. */
const HEADER_WORDS = {
  name: ['name', 'full name', 'nom', 'nom complet', 'nom et prenom', 'prenom nom', 'participant', 'student', 'etudiant', 'etudiante'],
  first: ['prenom', 'first name', 'firstname', 'given name'],
  last: ['last name', 'lastname', 'surname', 'family name', 'nom de famille'],
  email: ['email', 'e mail', 'mail', 'courriel', 'adresse email', 'adresse e mail', 'email address', 'adresse electronique'],
  room: ['room', 'breakout room', 'group', 'salle', 'groupe', 'sous groupe', 'sous salle'],
} as const;

type Column = keyof typeof HEADER_WORDS;

function headerWord(cell: string): string {
  return normaliseName(cell.replace(/[-_]/g, ' '));
}

/** Where name, email and room are: from a header row when the first record is one, else columns 1, 2, 3. */
interface Layout {
  /** Cells joined with a space to make the name (first name, last name). */
  name: number[];
  email: number | undefined;
  room: number;
  /** The first record was the header. */
  header: boolean;
}

function layoutOf(first: CsvRecord | undefined): Layout {
  const positional: Layout = { name: [0], email: 1, room: 2, header: false };
  if (!first) return positional;
  const found = new Map<Column, number>();
  first.cells.forEach((cell, i) => {
    const word = headerWord(cell);
    for (const column of Object.keys(HEADER_WORDS) as Column[]) {
      if ((HEADER_WORDS[column] as readonly string[]).includes(word) && !found.has(column)) found.set(column, i);
    }
  });
  const room = found.get('room');
  const first_ = found.get('first');
  // "Nom" next to "Prénom" is the family name.
  const last = found.get('last') ?? (first_ !== undefined ? found.get('name') : undefined);
  const name = first_ !== undefined && last !== undefined ? [first_, last] : found.get('name') !== undefined ? [found.get('name')!] : undefined;
  if (room === undefined || name === undefined) return positional;
  return { name, email: found.get('email'), room, header: true };
}

/** Reads the people of a CSV file; rows that cannot be used are reported, not guessed. */
export function parseBreakoutCsv(text: string): { people: CsvPerson[]; errors: CsvRowError[] } {
  const records = csvRecords(text);
  const layout = layoutOf(records[0]);
  const people: CsvPerson[] = [];
  const errors: CsvRowError[] = [];
  const emailLines = new Map<string, number>();
  const cellOf = (r: CsvRecord, i: number | undefined) => (i === undefined ? '' : (r.cells[i] ?? '').trim().replace(/\s+/g, ' '));
  for (const record of layout.header ? records.slice(1) : records) {
    const { line } = record;
    const name = layout.name.map((i) => cellOf(record, i)).filter(Boolean).join(' ');
    const rawEmail = cellOf(record, layout.email);
    const room = cellOf(record, layout.room);
    const fail = (problem: CsvRowProblem, message: string) => errors.push({ line, problem, message });
    if (!name) {
      fail('missing_name', 'no name');
      continue;
    }
    if (name.length > BREAKOUT_PLAN_LIMITS.personName) {
      fail('name_too_long', `the name is longer than ${BREAKOUT_PLAN_LIMITS.personName} characters`);
      continue;
    }
    const email = BreakoutAssignmentDraft.shape.email.safeParse(rawEmail);
    if (!email.success) {
      fail('bad_email', `"${rawEmail.slice(0, 100)}" is not an email address`);
      continue;
    }
    if (!room) {
      fail('missing_room', 'no room');
      continue;
    }
    if (room.length > BREAKOUT_PLAN_LIMITS.roomName) {
      fail('room_too_long', `the room name is longer than ${BREAKOUT_PLAN_LIMITS.roomName} characters`);
      continue;
    }
    if (email.data !== null) {
      const seen = emailLines.get(email.data);
      if (seen !== undefined) {
        fail('duplicate_email', `${email.data} is already on line ${seen}`);
        continue;
      }
      emailLines.set(email.data, line);
    }
    people.push({ line, name, email: email.data, room });
  }
  return { people, errors };
}

/**
 * Adds the imported people to a plan: someone already there (same email, else same name) is
 * updated (their room, their name, their email when the file gives one); others are added.
 * Rooms the rows name are added to the plan's rooms (matched whatever their case). Rows beyond
 * the plan's limits are reported.
 */
export function mergeIntoPlan(plan: BreakoutPlan, people: readonly CsvPerson[]): { draft: BreakoutPlanDraft; accepted: number; errors: CsvRowError[] } {
  const rooms = [...plan.rooms];
  const spelling = new Map(rooms.map((r) => [r.toLowerCase(), r]));
  const assignments = plan.assignments.map((a) => ({ name: a.name, email: a.email, room: a.room }));
  const matched = matchPeople(
    plan.assignments.map((a, index) => ({ ...a, index })),
    people,
  );
  const errors: CsvRowError[] = [];
  let accepted = 0;
  people.forEach((person, i) => {
    const known = matched[i];
    const room = spelling.get(person.room.toLowerCase());
    if (room === undefined && rooms.length >= BREAKOUT_PLAN_LIMITS.rooms) {
      errors.push({ line: person.line, problem: 'too_many_rooms', message: `a plan has at most ${BREAKOUT_PLAN_LIMITS.rooms} rooms` });
      return;
    }
    if (!known && assignments.length >= BREAKOUT_PLAN_LIMITS.people) {
      errors.push({ line: person.line, problem: 'too_many_people', message: `a plan has at most ${BREAKOUT_PLAN_LIMITS.people} people` });
      return;
    }
    if (room === undefined) {
      rooms.push(person.room);
      spelling.set(person.room.toLowerCase(), person.room);
    }
    const entry = { name: person.name, email: person.email ?? known?.email ?? null, room: room ?? person.room };
    if (known) assignments[known.index] = entry;
    else assignments.push(entry);
    accepted++;
  });
  return { draft: { rooms, assignments }, accepted, errors };
}

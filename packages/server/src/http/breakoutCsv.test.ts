// The CSV reader on its own: records, separators, quotes, headers, and merging into a plan.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecords, decodeCsv, mergeIntoPlan, parseBreakoutCsv } from './breakoutCsv.ts';

describe('csvRecords', () => {
  it('splits on commas, or on semicolons when the first line has more of them', () => {
    assert.deepEqual(csvRecords('a,b;c\n1,2;3'), [{ line: 1, cells: ['a', 'b;c'] }, { line: 2, cells: ['1', '2;3'] }]);
    assert.deepEqual(csvRecords('a;b,c;d\n1;2,3;4'), [{ line: 1, cells: ['a', 'b,c', 'd'] }, { line: 2, cells: ['1', '2,3', '4'] }]);
    assert.deepEqual(csvRecords('"a;b;c;d",e\n'), [{ line: 1, cells: ['a;b;c;d', 'e'] }], 'separators inside quotes do not count');
  });

  it('reads quoted cells with "" escapes and line breaks, and numbers records by the line they start on', () => {
    const text = '"x ""y"" z",2\r\n\r\n"multi\r\nline",3\r"last",4';
    assert.deepEqual(csvRecords(text), [
      { line: 1, cells: ['x "y" z', '2'] },
      { line: 3, cells: ['multi\r\nline', '3'] },
      { line: 5, cells: ['last', '4'] },
    ]);
  });

  it('skips blank records and keeps a last record without a line break', () => {
    assert.deepEqual(csvRecords('\n ,  \na,b'), [{ line: 3, cells: ['a', 'b'] }]);
    assert.deepEqual(csvRecords(''), []);
  });
});

describe('decodeCsv', () => {
  it('drops a BOM and falls back to Windows-1252 for bytes that are not UTF-8', () => {
    assert.equal(decodeCsv(Buffer.from('\ufeffÉlodie', 'utf8')), 'Élodie');
    assert.equal(decodeCsv(Buffer.from([0xc9, 0x6c, 0x6f, 0x80, 0x9c, 0x81])), 'Élo€œ\x81');
  });
});

describe('parseBreakoutCsv', () => {
  it('finds the columns from a header in English or French, in any order', () => {
    for (const header of ['name,email,room', 'Room,E-mail,Full name', 'salle;courriel;nom', 'Groupe;Nom;Adresse e-mail']) {
      const sep = header.includes(';') ? ';' : ',';
      const cols = header.split(sep).map((h) => h.toLowerCase());
      const row = cols.map((c) => (/(room|salle|groupe)/.test(c) ? 'G1' : /(mail|courriel)/.test(c) ? 'a@b.org' : 'Ann')).join(sep);
      assert.deepEqual(parseBreakoutCsv(`${header}\n${row}\n`), { people: [{ line: 2, name: 'Ann', email: 'a@b.org', room: 'G1' }], errors: [] }, header);
    }
  });

  it('joins first and last names, and takes name, email, room in that order without a header', () => {
    assert.deepEqual(parseBreakoutCsv('Prénom;Nom;Groupe\nJean;Dupont;A').people, [{ line: 2, name: 'Jean Dupont', email: null, room: 'A' }]);
    assert.deepEqual(parseBreakoutCsv('Jean Dupont,JEAN@example.org,A').people, [{ line: 1, name: 'Jean Dupont', email: 'jean@example.org', room: 'A' }]);
  });

  it('reports each bad row once, with its line and reason', () => {
    const { people, errors } = parseBreakoutCsv(['a,a@x.org,R', ',b@x.org,R', 'c,nope,R', 'd,,', 'e,A@x.org,R', `${'f'.repeat(65)},,R`, `g,,${'r'.repeat(61)}`].join('\n'));
    assert.deepEqual(people.map((p) => p.name), ['a']);
    assert.deepEqual(errors.map((e) => [e.line, e.problem]), [
      [2, 'missing_name'],
      [3, 'bad_email'],
      [4, 'missing_room'],
      [5, 'duplicate_email'],
      [6, 'name_too_long'],
      [7, 'room_too_long'],
    ]);
  });
});

describe('mergeIntoPlan', () => {
  it('updates people found by email, else by name, adds the others, and adds new rooms', () => {
    const plan = {
      rooms: ['A'],
      assignments: [
        { name: 'Ann', email: 'ann@x.org', room: 'A', token: 't1' },
        { name: 'Élodie', email: 'e@x.org', room: 'A', token: 't2' },
      ],
    };
    const { draft, accepted, errors } = mergeIntoPlan(plan, [
      { line: 1, name: 'Annie', email: 'ann@x.org', room: 'b' },
      { line: 2, name: 'elodie', email: null, room: 'a' },
      { line: 3, name: 'Zed', email: null, room: 'B' },
    ]);
    assert.equal(accepted, 3);
    assert.deepEqual(errors, []);
    assert.deepEqual(draft, {
      rooms: ['A', 'b'],
      assignments: [
        { name: 'Annie', email: 'ann@x.org', room: 'b' },
        { name: 'elodie', email: 'e@x.org', room: 'A' },
        { name: 'Zed', email: null, room: 'b' },
      ],
    });
  });
});

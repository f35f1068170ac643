import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attendanceCsv, attendanceReport, csvCell } from './attendanceReport.ts';

test('stays add up per person; an open stay counts until now', () => {
  const rows = [
    { name: 'Ada', role: 'host', signedIn: true, joinedAt: '2026-11-26T10:00:00.000Z', leftAt: '2026-11-26T11:00:00.000Z' },
    { name: 'Bob', role: 'participant', signedIn: false, joinedAt: '2026-11-26T10:05:00.000Z', leftAt: '2026-11-26T10:20:00.000Z' },
    { name: 'Bob', role: 'cohost', signedIn: false, joinedAt: '2026-11-26T10:30:00.000Z', leftAt: null },
  ];
  const report = attendanceReport(rows, new Date('2026-11-26T10:45:00.000Z'));
  assert.deepEqual(report, [
    { name: 'Ada', role: 'host', signedIn: true, firstJoinedAt: '2026-11-26T10:00:00.000Z', lastLeftAt: '2026-11-26T11:00:00.000Z', totalMinutes: 60, stays: 1 },
    { name: 'Bob', role: 'cohost', signedIn: false, firstJoinedAt: '2026-11-26T10:05:00.000Z', lastLeftAt: null, totalMinutes: 30, stays: 2 },
  ]);
});

test('CSV cells are quoted when needed and never start a formula', () => {
  assert.equal(csvCell('Dupont, Jean'), '"Dupont, Jean"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('+33 6'), "'+33 6");
  assert.equal(csvCell(null), '');
  const csv = attendanceCsv([{ name: '@evil', role: 'participant', signedIn: false, firstJoinedAt: 'a', lastLeftAt: null, totalMinutes: 1.5, stays: 1 }]);
  assert.equal(csv, "name,role,signed_in,first_joined_at,last_left_at,total_minutes,stays\r\n'@evil,participant,false,a,,1.5,1\r\n");
});

import type { AttendeeView } from '@amphi/protocol';
import type { AttendanceRow } from '../storage/AttendanceRepository.ts';

/**
 * Adds up each person's stays in one session (leaving and rejoining makes several): the first
 * arrival, the last departure, and the time actually present. People are told apart by account
 * when signed in, else by name. A stay still open counts up to `now`.
 */
export function attendanceReport(rows: AttendanceRow[], now: Date): AttendeeView[] {
  const people = new Map<string, AttendeeView & { ms: number }>();
  for (const r of rows) {
    const key = `${r.signedIn ? 'user' : 'guest'}:${r.name}`;
    const end = r.leftAt ? new Date(r.leftAt) : now;
    const ms = Math.max(0, end.getTime() - new Date(r.joinedAt).getTime());
    const p = people.get(key);
    if (!p) {
      people.set(key, { name: r.name, role: r.role, signedIn: r.signedIn, firstJoinedAt: r.joinedAt, lastLeftAt: r.leftAt, totalMinutes: 0, stays: 1, ms });
    } else {
      p.stays++;
      p.ms += ms;
      p.role = r.role;
      if (r.joinedAt < p.firstJoinedAt) p.firstJoinedAt = r.joinedAt;
      p.lastLeftAt = p.lastLeftAt === null || r.leftAt === null ? null : r.leftAt > p.lastLeftAt ? r.leftAt : p.lastLeftAt;
    }
  }
  return [...people.values()].map(({ ms, ...p }) => ({ ...p, totalMinutes: Math.round(ms / 6_000) / 10 }));
}

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function attendanceCsv(people: AttendeeView[]): string {
  const header = ['name', 'role', 'signed_in', 'first_joined_at', 'last_left_at', 'total_minutes', 'stays'];
  const lines = people.map((p) => [p.name, p.role, p.signedIn, p.firstJoinedAt, p.lastLeftAt, p.totalMinutes, p.stays].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}

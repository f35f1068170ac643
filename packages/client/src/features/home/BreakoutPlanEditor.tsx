import { Fragment, useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { z } from 'zod';
import { BREAKOUT_PLAN_LIMITS, BreakoutPlanView, CsvImportResult, type PutBreakoutPlanRequest } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { roomsForSpread, spreadEvenly } from './breakoutSpread.ts';

const PlanResponse = z.object({ plan: BreakoutPlanView });

/** A room being edited; people point at it by key, so renaming a room moves nobody. */
interface RoomRow {
  key: number;
  name: string;
}

/** A person being edited; `link` once the plan holding them was saved. */
interface PersonRow {
  key: number;
  name: string;
  email: string;
  room: number | undefined;
  link: string | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Breakout rooms prepared before the meeting, on the meeting's card: the rooms, who goes where
 * (typed in, imported from a CSV file, or spread at random), and each person's personal link.
 * Nothing is stored until Save, except a CSV import, which the server adds to the saved plan.
 */
export function BreakoutPlanEditor({ meetingId }: { meetingId: string }) {
  const { t } = useI18n();
  const id = useId();
  const url = `/api/meetings/${meetingId}/breakouts`;
  const lastKey = useRef(0);
  const newKey = () => ++lastKey.current;
  const [loaded, setLoaded] = useState(false);
  const [rooms, setRooms] = useState<RoomRow[]>([]);
  const [people, setPeople] = useState<PersonRow[]>([]);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | undefined>();
  const [problems, setProblems] = useState<string[]>([]);
  const [csvErrors, setCsvErrors] = useState<CsvImportResult['errors']>([]);
  const [spreadCount, setSpreadCount] = useState('2');
  /** The input to focus once it is on screen (a room or person just added). */
  const focusKey = useRef<number | undefined>(undefined);
  const focusOnMount = (key: number) => (el: HTMLInputElement | null) => {
    if (el && focusKey.current === key) {
      focusKey.current = undefined;
      el.focus();
    }
  };

  const show = (plan: BreakoutPlanView) => {
    const roomRows = plan.rooms.map((name) => ({ key: newKey(), name }));
    const keyOf = new Map(roomRows.map((r) => [r.name, r.key]));
    setRooms(roomRows);
    setPeople(plan.assignments.map((a) => ({ key: newKey(), name: a.name, email: a.email ?? '', room: keyOf.get(a.room), link: a.link })));
    setDirty(false);
  };

  const describe = (err: unknown): string => {
    if (err instanceof ApiError && err.code === 'http.invalid_body') return t('breakouts.invalid', { detail: err.message });
    return t(`error.${err instanceof ApiError ? err.code : 'generic'}`);
  };

  useEffect(() => {
    api('GET', url, PlanResponse).then(
      (r) => {
        show(r.plan);
        setLoaded(true);
      },
      (err) => {
        setProblems([describe(err)]);
        setLoaded(true);
      },
    );
  }, [url]);

  const edited = () => {
    setDirty(true);
    setStatus(undefined);
  };
  const roomLabel = (k: number) => t('breakouts.defaultRoom', { n: k });

  const addRoom = () => {
    const { rooms: names } = roomsForSpread(
      rooms.map((r) => r.name),
      rooms.length + 1,
      roomLabel,
    );
    const key = newKey();
    focusKey.current = key;
    setRooms([...rooms, { key, name: names[names.length - 1]! }]);
    edited();
  };
  const renameRoom = (key: number, name: string) => {
    setRooms(rooms.map((r) => (r.key === key ? { ...r, name } : r)));
    edited();
  };
  const removeRoom = (key: number) => {
    setRooms(rooms.filter((r) => r.key !== key));
    setPeople(people.map((p) => (p.room === key ? { ...p, room: undefined } : p)));
    edited();
  };
  const addPerson = () => {
    const key = newKey();
    focusKey.current = key;
    setPeople([...people, { key, name: '', email: '', room: rooms[0]?.key, link: undefined }]);
    edited();
  };
  const updatePerson = (key: number, change: Partial<PersonRow>) => {
    setPeople(people.map((p) => (p.key === key ? { ...p, ...change } : p)));
    edited();
  };
  const removePerson = (key: number) => {
    setPeople(people.filter((p) => p.key !== key));
    edited();
  };

  const spread = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(spreadCount);
    if (!Number.isInteger(n) || n < 1 || n > BREAKOUT_PLAN_LIMITS.rooms) {
      setProblems([t('breakouts.spreadRange', { max: BREAKOUT_PLAN_LIMITS.rooms })]);
      return;
    }
    const { rooms: names } = roomsForSpread(
      rooms.map((r) => r.name),
      n,
      roomLabel,
    );
    const roomRows = [...rooms, ...names.slice(rooms.length).map((name) => ({ key: newKey(), name }))];
    const target = spreadEvenly(people.length, n);
    setRooms(roomRows);
    setPeople(people.map((p, i) => ({ ...p, room: roomRows[target[i]!]!.key })));
    setProblems([]);
    edited();
    setStatus(t('breakouts.spreadDone', { count: people.length, rooms: n }));
  };

  /** What stops the plan from being saved, in words. */
  const check = (): string[] => {
    const found: string[] = [];
    if (rooms.length === 0) found.push(t('breakouts.needRoom'));
    const roomNames = new Set<string>();
    rooms.forEach((r, i) => {
      const name = r.name.trim();
      if (!name) found.push(t('breakouts.roomEmpty', { n: i + 1 }));
      else if (roomNames.has(name.toLowerCase())) found.push(t('breakouts.roomTwice', { name }));
      roomNames.add(name.toLowerCase());
    });
    const emails = new Set<string>();
    people.forEach((p, i) => {
      const label = p.name.trim() || t('breakouts.row', { n: i + 1 });
      if (!p.name.trim()) found.push(t('breakouts.personNoName', { n: i + 1 }));
      if (!rooms.some((r) => r.key === p.room)) found.push(t('breakouts.personNoRoom', { name: label }));
      const email = p.email.trim().toLowerCase();
      if (email && !EMAIL.test(email)) found.push(t('breakouts.badEmail', { email }));
      else if (email && emails.has(email)) found.push(t('breakouts.emailTwice', { email }));
      if (email) emails.add(email);
    });
    return found;
  };

  const save = async (): Promise<boolean> => {
    const found = check();
    setProblems(found);
    setCsvErrors([]);
    if (found.length > 0) return false;
    const nameOf = new Map(rooms.map((r) => [r.key, r.name.trim()]));
    const body: z.input<typeof PutBreakoutPlanRequest> = {
      rooms: rooms.map((r) => r.name.trim()),
      assignments: people.map((p) => ({ name: p.name.trim(), email: p.email.trim() || null, room: nameOf.get(p.room!) ?? '' })),
    };
    setBusy(true);
    try {
      show((await api('PUT', url, PlanResponse, body)).plan);
      setStatus(t('breakouts.saved'));
      return true;
    } catch (err) {
      setProblems([describe(err)]);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const importFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.target;
    const file = input.files?.[0];
    if (!file) return;
    setCsvErrors([]);
    setStatus(undefined);
    if (file.size > BREAKOUT_PLAN_LIMITS.csvBytes) {
      setProblems([t('breakouts.csvTooLarge', { kib: BREAKOUT_PLAN_LIMITS.csvBytes / 1024 })]);
      input.value = '';
      return;
    }
    // The server adds the file to the saved plan: unsaved edits are saved first, not lost.
    if (dirty && (rooms.length > 0 || people.length > 0) && !(await save())) {
      input.value = '';
      return;
    }
    setBusy(true);
    try {
      if (dirty && rooms.length === 0 && people.length === 0) await api('DELETE', url, z.unknown());
      const result = await api('POST', `${url}/csv`, CsvImportResult, { raw: await file.arrayBuffer(), contentType: 'text/csv' });
      show(result.plan);
      setProblems([]);
      setCsvErrors(result.errors);
      setStatus(t('breakouts.imported', { count: result.accepted }));
    } catch (err) {
      setProblems([describe(err)]);
    } finally {
      setBusy(false);
      // The same file may be chosen again after fixing it.
      input.value = '';
    }
  };

  const clear = async () => {
    if (!window.confirm(t('breakouts.confirmClear'))) return;
    try {
      await api('DELETE', url, z.unknown());
      show({ rooms: [], assignments: [] });
      setProblems([]);
      setCsvErrors([]);
      setStatus(t('breakouts.cleared'));
    } catch (err) {
      setProblems([describe(err)]);
    }
  };

  const copy = async (link: string, name: string) => {
    try {
      await navigator.clipboard.writeText(link);
      setStatus(t('breakouts.linkCopied', { name }));
    } catch {
      setStatus(t('breakouts.copyFailed'));
    }
  };

  if (!loaded) return <div className="breakout-plan" data-testid="breakout-plan" aria-busy="true" />;
  return (
    <section className="breakout-plan invite-form" data-testid="breakout-plan" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('breakouts.title')}</h3>
      <p className="muted">{t('breakouts.intro')}</p>

      <fieldset className="options">
        <legend>{t('breakouts.rooms')}</legend>
        {rooms.length === 0 && <p className="muted">{t('breakouts.noRooms')}</p>}
        <ul className="session-list">
          {rooms.map((r, i) => (
            <li key={r.key} className="card-actions">
              <input
                ref={focusOnMount(r.key)}
                aria-label={t('breakouts.roomName', { n: i + 1 })}
                value={r.name}
                maxLength={BREAKOUT_PLAN_LIMITS.roomName}
                required
                onChange={(e) => renameRoom(r.key, e.target.value)}
              />
              <button type="button" className="small" onClick={() => removeRoom(r.key)} aria-label={t('breakouts.removeRoom', { name: r.name.trim() || String(i + 1) })}>
                {t('breakouts.remove')}
              </button>
            </li>
          ))}
        </ul>
        <div className="card-actions">
          <button type="button" className="small" onClick={addRoom} disabled={rooms.length >= BREAKOUT_PLAN_LIMITS.rooms}>
            {t('breakouts.addRoom')}
          </button>
        </div>
      </fieldset>

      <div className="card-actions">
        <label>
          {t('breakouts.importCsv')}
          <input type="file" accept=".csv,text/csv,text/plain" disabled={busy} aria-describedby={`${id}-csv-help`} onChange={(e) => void importFile(e)} />
        </label>
      </div>
      <p id={`${id}-csv-help`} className="muted">
        {t('breakouts.csvHelp')}
      </p>
      <form className="card-actions" onSubmit={spread}>
        <label>
          {t('breakouts.spreadCount')}
          <input type="number" inputMode="numeric" min={1} max={BREAKOUT_PLAN_LIMITS.rooms} value={spreadCount} onChange={(e) => setSpreadCount(e.target.value)} />
        </label>
        <button type="submit" className="small" disabled={people.length === 0}>
          {t('breakouts.spread')}
        </button>
      </form>

      {problems.length > 0 && (
        <div role="alert" className="error">
          <ul>
            {problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      {csvErrors.length > 0 && (
        <div role="alert" className="warning" data-testid="csv-errors">
          <p>{t('breakouts.importErrors', { count: csvErrors.length })}</p>
          <ul>
            {csvErrors.map((e) => (
              <li key={e.line}>{t('breakouts.csvLine', { line: e.line, problem: t(`breakouts.problem.${e.problem}`) })}</li>
            ))}
          </ul>
        </div>
      )}

      {people.length === 0 ? (
        <p className="muted">{t('breakouts.noPeople')}</p>
      ) : (
        // Wide on a phone: the table scrolls sideways inside its own region.
        <div role="region" aria-label={t('breakouts.people')} tabIndex={0} style={{ overflowX: 'auto' }}>
          <table className="attendance-table">
            <caption className="sr-only">{t('breakouts.people')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('breakouts.name')}</th>
                <th scope="col">{t('breakouts.email')}</th>
                <th scope="col">{t('breakouts.room')}</th>
                <th scope="col">
                  <span className="sr-only">{t('breakouts.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {people.map((p, i) => {
                const who = p.name.trim() || t('breakouts.row', { n: i + 1 });
                // The personal link goes on a line of its own under the person, across the table.
                const joined = p.link ? { borderBottom: 'none' } : undefined;
                return (
                  <Fragment key={p.key}>
                    <tr>
                      <td style={joined}>
                        <input
                          ref={focusOnMount(p.key)}
                          aria-label={t('breakouts.nameOf', { n: i + 1 })}
                          value={p.name}
                          maxLength={BREAKOUT_PLAN_LIMITS.personName}
                          required
                          style={{ width: '100%', minWidth: '8rem' }}
                          onChange={(e) => updatePerson(p.key, { name: e.target.value })}
                        />
                      </td>
                      <td style={joined}>
                        <input
                          type="email"
                          aria-label={t('breakouts.emailOf', { n: i + 1 })}
                          value={p.email}
                          maxLength={254}
                          style={{ width: '100%', minWidth: '9rem' }}
                          onChange={(e) => updatePerson(p.key, { email: e.target.value })}
                        />
                      </td>
                      <td style={joined}>
                        <select aria-label={t('breakouts.roomOf', { n: i + 1 })} value={p.room === undefined ? '' : String(p.room)} onChange={(e) => updatePerson(p.key, { room: e.target.value ? Number(e.target.value) : undefined })}>
                          {(p.room === undefined || !rooms.some((r) => r.key === p.room)) && <option value="">{t('breakouts.chooseRoom')}</option>}
                          {rooms.map((r, j) => (
                            <option key={r.key} value={String(r.key)}>
                              {r.name.trim() || roomLabel(j + 1)}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td style={joined}>
                        <button type="button" className="small" aria-label={t('breakouts.removePerson', { name: who })} onClick={() => removePerson(p.key)}>
                          {t('breakouts.remove')}
                        </button>
                      </td>
                    </tr>
                    {p.link && (
                      <tr>
                        <td colSpan={4}>
                          <span className="card-actions" style={{ alignItems: 'center', flexWrap: 'nowrap' }}>
                            <input readOnly aria-label={t('breakouts.linkOf', { name: who })} value={p.link} style={{ flex: 1, minWidth: 0 }} onFocus={(e) => e.target.select()} />
                            <button type="button" className="small" aria-label={t('breakouts.copyLinkOf', { name: who })} onClick={() => void copy(p.link!, who)}>
                              {t('breakouts.copyLink')}
                            </button>
                          </span>
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <div className="card-actions">
        <button type="button" className="small" onClick={addPerson} disabled={people.length >= BREAKOUT_PLAN_LIMITS.people}>
          {t('breakouts.addPerson')}
        </button>
        <button type="button" className="small primary" onClick={() => void save()} disabled={busy}>
          {t('breakouts.save')}
        </button>
        {(rooms.length > 0 || people.length > 0) && (
          <button type="button" className="small danger" onClick={() => void clear()} disabled={busy}>
            {t('breakouts.clear')}
          </button>
        )}
      </div>
      <p role="status" className="muted">
        {status ?? (dirty ? t('breakouts.unsaved') : '')}
      </p>
    </section>
  );
}

import { useEffect, useId, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { AuditEntryView, PeopleResponse, PersonView, type UserView } from '@amphi/protocol';
import { api, ApiError } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';
import { AdminLiveMeetings } from './AdminLiveMeetings.tsx';
import { AdminPolicies } from './AdminPolicies.tsx';
import { AdminBbbConsumers } from './AdminBbbConsumers.tsx';
import { AdminLtiPlatforms } from './AdminLtiPlatforms.tsx';

const AuditResponse = z.object({ entries: z.array(AuditEntryView) });
const PersonResponse = z.object({ person: PersonView });

/**
 * The admin console (administrators only): people, with their staff flag and host licence
 * changed on the spot (they apply at once), the use of the licence pool, and the audit log.
 */
export function AdminConsole({ self }: { self: UserView }) {
  const { t, lang } = useI18n();
  const [tab, setTab] = useState<'people' | 'meetings' | 'policies' | 'bbb' | 'lti' | 'audit'>('people');
  const [query, setQuery] = useState('');
  const [people, setPeople] = useState<PeopleResponse | undefined>();
  const [audit, setAudit] = useState<AuditEntryView[] | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const searchId = useId();

  const load = (q: string) =>
    api('GET', `/api/admin/people${q ? `?q=${encodeURIComponent(q)}` : ''}`, PeopleResponse).then(setPeople, () => setStatus(t('admin.loadFailed')));
  useEffect(() => {
    void load('');
  }, []);
  useEffect(() => {
    if (tab === 'audit') api('GET', '/api/admin/audit', AuditResponse).then((r) => setAudit(r.entries), () => setStatus(t('admin.loadFailed')));
  }, [tab]);

  const change = async (person: PersonView, body: { staff?: boolean; licensed?: boolean }) => {
    try {
      const { person: updated } = await api('PATCH', `/api/admin/users/${encodeURIComponent(person.id)}`, PersonResponse, body);
      setPeople((p) => p && { ...p, people: p.people.map((x) => (x.id === updated.id ? updated : x)), licences: { ...p.licences, used: p.licences.used + (updated.licensed === person.licensed ? 0 : updated.licensed ? 1 : -1) } });
      setStatus(body.licensed === undefined ? t(updated.isStaff ? 'admin.madeStaff' : 'admin.madeNotStaff', { name: updated.name }) : t(updated.licensed ? 'admin.granted' : 'admin.revoked', { name: updated.name }));
    } catch (err) {
      setStatus(err instanceof ApiError && err.code === 'licence.pool_full' ? t('admin.poolFull') : t('admin.changeFailed', { name: person.name }));
    }
  };

  const search = (e: FormEvent) => {
    e.preventDefault();
    void load(query.trim());
  };

  return (
    <section className="card admin-console" aria-labelledby="admin-title" data-testid="admin-console">
      <h2 id="admin-title">{t('admin.title')}</h2>
      <div role="tablist" aria-label={t('admin.title')} className="tabs">
        <button type="button" role="tab" aria-selected={tab === 'people'} onClick={() => setTab('people')}>
          {t('admin.people')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'meetings'} onClick={() => setTab('meetings')}>
          {t('admin.liveMeetings')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'policies'} onClick={() => setTab('policies')}>
          {t('admin.policies')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'bbb'} onClick={() => setTab('bbb')}>
          {t('admin.bbb')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'lti'} onClick={() => setTab('lti')}>
          {t('admin.lti')}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'audit'} onClick={() => setTab('audit')}>
          {t('admin.audit')}
        </button>
      </div>
      <p role="status" aria-live="polite" className="muted">
        {status}
      </p>
      {tab === 'people' && (
        <div role="tabpanel">
          {people && <p>{people.licences.pool > 0 ? t('admin.poolUse', { used: people.licences.used, pool: people.licences.pool }) : t('admin.poolUnlimited', { used: people.licences.used })}</p>}
          <form onSubmit={search} className="inline-form" role="search">
            <label htmlFor={searchId}>{t('admin.search')}</label>
            <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
            <button type="submit">{t('admin.searchButton')}</button>
          </form>
          <table className="attendance-table people">
            <thead>
              <tr>
                <th scope="col">{t('admin.name')}</th>
                <th scope="col">{t('admin.email')}</th>
                <th scope="col">{t('admin.staff')}</th>
                <th scope="col">{t('admin.licence')}</th>
              </tr>
            </thead>
            <tbody>
              {people?.people.map((p) => (
                <tr key={p.id} data-person={p.email}>
                  <th scope="row">
                    {p.name}
                    {p.isAdmin && <span className="muted"> · {t('admin.isAdmin')}</span>}
                  </th>
                  <td>{p.email}</td>
                  <td>
                    <input type="checkbox" checked={p.isStaff} disabled={p.id === self.id} aria-label={t('admin.staffOf', { name: p.name })} onChange={(e) => void change(p, { staff: e.target.checked })} />
                  </td>
                  <td>
                    <input type="checkbox" checked={p.licensed} aria-label={t('admin.licenceOf', { name: p.name })} onChange={(e) => void change(p, { licensed: e.target.checked })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tab === 'meetings' && (
        <div role="tabpanel">
          <AdminLiveMeetings onStatus={setStatus} />
        </div>
      )}
      {tab === 'policies' && (
        <div role="tabpanel">
          <AdminPolicies onStatus={setStatus} />
        </div>
      )}
      {tab === 'bbb' && (
        <div role="tabpanel">
          <AdminBbbConsumers onStatus={setStatus} />
        </div>
      )}
      {tab === 'lti' && (
        <div role="tabpanel">
          <AdminLtiPlatforms onStatus={setStatus} />
        </div>
      )}
      {tab === 'audit' && (
        <div role="tabpanel">
          {audit?.length === 0 && <p>{t('admin.auditEmpty')}</p>}
          <ol className="audit-log">
            {audit?.map((e) => (
              <li key={e.id}>
                <time dateTime={e.at}>{new Date(e.at).toLocaleString(lang)}</time> — {e.actor.name === 'policy' && e.actor.id === null ? t('admin.byPolicy') : e.actor.name}: {t(`admin.action.${e.action}` as 'admin.action.licence.granted', {})}
                {e.target.name ? ` — ${e.target.name}` : ''}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

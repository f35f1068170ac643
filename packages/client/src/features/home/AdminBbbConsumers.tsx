import { useEffect, useId, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { BbbConsumerView } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';

const ConsumersResponse = z.object({ consumers: z.array(BbbConsumerView) });
const ConsumerResponse = z.object({ consumer: BbbConsumerView });

/**
 * The servers allowed to call the BigBlueButton-compatible API (a Moodle site each): what to
 * paste into Moodle, a new secret when one leaked, and removal.
 */
export function AdminBbbConsumers({ onStatus }: { onStatus: (message: string) => void }) {
  const { t } = useI18n();
  const [consumers, setConsumers] = useState<BbbConsumerView[] | undefined>();
  const [name, setName] = useState('');
  const nameId = useId();

  const load = () => api('GET', '/api/admin/bbb-consumers', ConsumersResponse).then((r) => setConsumers(r.consumers), () => onStatus(t('admin.loadFailed')));
  useEffect(() => {
    void load();
  }, []);

  const act = async (work: () => Promise<unknown>, label: string) => {
    try {
      await work();
    } catch {
      onStatus(t('admin.changeFailed', { name: label }));
    }
    await load();
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    void act(() => api('POST', '/api/admin/bbb-consumers', ConsumerResponse, { name: trimmed }).then(() => setName('')), trimmed);
  };

  return (
    <div data-testid="admin-bbb">
      <p>{t('admin.bbbIntro')}</p>
      <form onSubmit={create} className="inline-form">
        <label htmlFor={nameId}>{t('admin.bbbName')}</label>
        <input id={nameId} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        <button type="submit">{t('admin.bbbCreate')}</button>
      </form>
      {consumers?.length === 0 && <p>{t('admin.bbbEmpty')}</p>}
      <ul className="admin-meetings">
        {consumers?.map((c) => (
          <li key={c.id} data-bbb-consumer={c.name}>
            <strong>{c.name}</strong>
            <dl>
              <dt>{t('admin.bbbServerUrl')}</dt>
              <dd>
                <code data-field="server-url">{c.serverUrl}</code>
              </dd>
              <dt>{t('admin.bbbSecret')}</dt>
              <dd>
                <code data-field="secret">{c.secret}</code>
              </dd>
            </dl>
            <button type="button" className="small" onClick={() => void act(() => api('POST', `/api/admin/bbb-consumers/${encodeURIComponent(c.id)}/rotate`, ConsumerResponse, {}), c.name)}>
              {t('admin.bbbRotate', { name: c.name })}
            </button>{' '}
            <button type="button" className="small danger" onClick={() => void act(() => api('DELETE', `/api/admin/bbb-consumers/${encodeURIComponent(c.id)}`, z.unknown()), c.name)}>
              {t('admin.bbbDelete', { name: c.name })}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

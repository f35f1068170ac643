import { useEffect, useId, useState, type FormEvent } from 'react';
import { z } from 'zod';
import { LtiRegistrationView, LtiToolView } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';

const LtiResponse = z.object({ tool: LtiToolView, registrations: z.array(LtiRegistrationView) });
const RegistrationResponse = z.object({ registration: LtiRegistrationView });
const RegistrationUrlResponse = z.object({ url: z.string(), expiresInS: z.number() });

const EMPTY = { name: '', issuer: '', clientId: '', deploymentIds: '', authUrl: '', jwksUrl: '', tokenUrl: '' };
type Draft = typeof EMPTY;

/**
 * Learning platforms (a Moodle site each) that launch Amphi as an LTI 1.3 tool: the values to
 * paste into the platform's tool registration, and the platform's own values to register here.
 */
export function AdminLtiPlatforms({ onStatus }: { onStatus: (message: string) => void }) {
  const { t } = useI18n();
  const [data, setData] = useState<z.infer<typeof LtiResponse> | undefined>();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [registrationUrl, setRegistrationUrl] = useState<string | undefined>();
  const formId = useId();

  const load = () => api('GET', '/api/admin/lti', LtiResponse).then(setData, () => onStatus(t('admin.loadFailed')));
  useEffect(() => {
    void load();
  }, []);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const body = { ...draft, deploymentIds: draft.deploymentIds.split(/[\s,]+/).filter(Boolean) };
    try {
      await api('POST', '/api/admin/lti/registrations', RegistrationResponse, body);
      setDraft(EMPTY);
    } catch {
      onStatus(t('admin.changeFailed', { name: draft.name || 'LTI' }));
    }
    await load();
  };
  const makeRegistrationUrl = () =>
    api('POST', '/api/admin/lti/registration-url', RegistrationUrlResponse, {}).then(
      (r) => setRegistrationUrl(r.url),
      () => onStatus(t('admin.changeFailed', { name: 'LTI' })),
    );
  const remove = async (id: string, name: string) => {
    try {
      await api('DELETE', `/api/admin/lti/registrations/${encodeURIComponent(id)}`, z.unknown());
    } catch {
      onStatus(t('admin.changeFailed', { name }));
    }
    await load();
  };

  const fields: [keyof Draft, 'admin.ltiName' | 'admin.ltiIssuer' | 'admin.ltiClientId' | 'admin.ltiDeployments' | 'admin.ltiAuthUrl' | 'admin.ltiJwksUrl' | 'admin.ltiTokenUrl'][] = [
    ['name', 'admin.ltiName'],
    ['issuer', 'admin.ltiIssuer'],
    ['clientId', 'admin.ltiClientId'],
    ['deploymentIds', 'admin.ltiDeployments'],
    ['authUrl', 'admin.ltiAuthUrl'],
    ['jwksUrl', 'admin.ltiJwksUrl'],
    ['tokenUrl', 'admin.ltiTokenUrl'],
  ];
  const tool = data?.tool;

  return (
    <div data-testid="admin-lti">
      <p>{t('admin.ltiIntro')}</p>
      {tool && (
        <dl data-testid="lti-tool-values">
          <dt>{t('admin.ltiToolUrl')}</dt>
          <dd><code>{tool.toolUrl}</code></dd>
          <dt>{t('admin.ltiLoginUrl')}</dt>
          <dd><code>{tool.initiateLoginUrl}</code></dd>
          <dt>{t('admin.ltiRedirects')}</dt>
          <dd><code>{tool.redirectionUris.join('\n')}</code></dd>
          <dt>{t('admin.ltiKeyset')}</dt>
          <dd><code>{tool.publicKeysetUrl}</code></dd>
          <dt>{t('admin.ltiDeepLinking')}</dt>
          <dd><code>{tool.deepLinkingUrl}</code></dd>
        </dl>
      )}
      <h3>{t('admin.ltiDynamic')}</h3>
      <p>{t('admin.ltiDynamicIntro')}</p>
      <button type="button" onClick={() => void makeRegistrationUrl()}>
        {t('admin.ltiDynamicMake')}
      </button>
      {registrationUrl && (
        <p>
          <code data-testid="lti-registration-url">{registrationUrl}</code>
        </p>
      )}
      <h3 id={`${formId}-title`}>{t('admin.ltiRegister')}</h3>
      <form onSubmit={(e) => void create(e)} aria-labelledby={`${formId}-title`} className="stacked-form">
        {fields.map(([key, label]) => (
          <p key={key}>
            <label htmlFor={`${formId}-${key}`}>{t(label)}</label>{' '}
            <input id={`${formId}-${key}`} value={draft[key]} required onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))} />
          </p>
        ))}
        <button type="submit">{t('admin.ltiCreate')}</button>
      </form>
      {data?.registrations.length === 0 && <p>{t('admin.ltiEmpty')}</p>}
      <ul className="admin-meetings">
        {data?.registrations.map((r) => (
          <li key={r.id} data-lti-platform={r.name}>
            <strong>{r.name}</strong>
            <dl>
              <dt>{t('admin.ltiIssuer')}</dt>
              <dd><code>{r.issuer}</code></dd>
              <dt>{t('admin.ltiClientId')}</dt>
              <dd><code>{r.clientId}</code></dd>
              <dt>{t('admin.ltiDeployments')}</dt>
              <dd><code>{r.deploymentIds.join(', ')}</code></dd>
            </dl>
            <button type="button" className="small danger" onClick={() => void remove(r.id, r.name)}>
              {t('admin.ltiDelete', { name: r.name })}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

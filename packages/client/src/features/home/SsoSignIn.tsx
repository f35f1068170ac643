import { useEffect, useState } from 'react';
import { isErrorCode, SsoProvidersResponse, type ErrorCode } from '@amphi/protocol';
import { api } from '../../ui/api.ts';
import { useI18n } from '../../ui/i18n.tsx';
import type { MessageKey } from '../../ui/messages.ts';

/** Why a single sign-on came back to the sign-in page, in words (the code is shown too). */
function reasonKey(code: ErrorCode): MessageKey {
  switch (code) {
    case 'auth.sso_denied':
      return 'signin.ssoError.denied';
    case 'auth.sso_state':
      return 'signin.ssoError.state';
    case 'auth.sso_token':
      return 'signin.ssoError.token';
    case 'auth.sso_profile':
      return 'signin.ssoError.profile';
    case 'auth.sso_unavailable':
      return 'signin.ssoError.unavailable';
    case 'http.rate_limited':
      return 'signin.rateLimited';
    default:
      return 'signin.ssoError.other';
  }
}

/** The error a failed single sign-on left in the address (`?ssoError=<code>`), taken out of it. */
function takeSsoError(): ErrorCode | undefined {
  const url = new URL(window.location.href);
  const raw = url.searchParams.get('ssoError');
  if (raw === null) return undefined;
  url.searchParams.delete('ssoError');
  // So that reloading the page does not show the error again.
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  return isErrorCode(raw) ? raw : 'internal';
}

/**
 * One button per identity provider of the university ("Sign in with <label>"), shown above the
 * local sign-in form; each is a plain link, so the whole sign-in is top-level navigation.
 */
export function SsoSignIn() {
  const { t } = useI18n();
  const [providers, setProviders] = useState<SsoProvidersResponse['providers']>([]);
  const [error] = useState(takeSsoError);

  useEffect(() => {
    api('GET', '/api/auth/providers', SsoProvidersResponse).then(
      (r) => setProviders(r.providers),
      () => setProviders([]),
    );
  }, []);

  if (providers.length === 0 && !error) return null;
  const next = window.location.pathname + window.location.search;
  return (
    <section className="card sso" aria-labelledby="sso-title">
      <h2 id="sso-title">{t('signin.ssoProviders')}</h2>
      {error && (
        <p className="error" role="alert">
          {t('signin.ssoError', { reason: t(reasonKey(error)), code: error })}
        </p>
      )}
      {providers.length > 0 && (
        <ul className="sso-providers">
          {providers.map((p) => (
            <li key={p.id}>
              <a className="button primary" href={`/auth/sso/${encodeURIComponent(p.id)}/login?next=${encodeURIComponent(next)}`}>
                {t('signin.sso', { label: p.label })}
              </a>
            </li>
          ))}
        </ul>
      )}
      {providers.length > 0 && <p className="muted">{t('signin.orLocal')}</p>}
    </section>
  );
}

/*
 * The OpenID Connect relying party for one provider: discovery, the authorization request, the
 * code exchange and the ID token check.
 *
 * Why `jose` and not `openid-client`: the part that must be right and is hard to write (JWS
 * verification, JWKS fetching with key rotation and caching, algorithm allow-lists) is exactly
 * what `jose` does, with no dependencies, and it is the library oidc-provider itself builds on.
 * The rest of the code flow is three HTTP requests that we want to see and test: written here,
 * the ID token check is one plain function (verifyIdToken) that tests call with tokens they sign
 * themselves, and every failure maps onto our own error codes rather than a library's.
 */
import crypto from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import type { OidcProviderSettings } from './SsoSettings.ts';
import { verifyIdToken } from './idToken.ts';

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  userinfo_endpoint: z.string().url().optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});
type Discovery = z.infer<typeof Discovery>;

const TokenResponse = z.object({
  id_token: z.string().min(1),
  access_token: z.string().min(1).optional(),
  token_type: z.string().optional(),
});
const TokenError = z.object({ error: z.string(), error_description: z.string().optional() });
const UserInfo = z.object({ sub: z.string() }).passthrough();

/** Metadata is fetched again after this long, so a provider's endpoint changes are picked up. */
const DISCOVERY_TTL_MS = 60 * 60_000;
const HTTP_TIMEOUT_MS = 10_000;

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/** The claims of a completed sign-in: the ID token's, completed by the userinfo endpoint's. */
export interface OidcResult {
  subject: string;
  claims: Record<string, unknown>;
}

export class OidcClient {
  #discovery: { value: Discovery; keys: JWTVerifyGetKey; at: number } | undefined;

  constructor(
    readonly settings: OidcProviderSettings,
    /** Amphi's callback for this provider, registered at the provider as the redirect URI. */
    readonly redirectUri: string,
  ) {}

  /** Where to send the browser to sign in. */
  async authorizationUrl(p: { state: string; nonce: string; codeChallenge: string }): Promise<URL> {
    const { value } = await this.#metadata();
    const url = new URL(value.authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('scope', this.settings.scopes.join(' '));
    url.searchParams.set('state', p.state);
    url.searchParams.set('nonce', p.nonce);
    url.searchParams.set('code_challenge', p.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url;
  }

  /** Exchanges the code from the callback and checks the ID token against this attempt's nonce. */
  async finish(p: { code: string; codeVerifier: string; nonce: string }): Promise<OidcResult> {
    const { value, keys } = await this.#metadata();
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: p.code, redirect_uri: this.redirectUri, code_verifier: p.codeVerifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const methods = value.token_endpoint_auth_methods_supported;
    if (methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) {
      body.set('client_id', this.settings.clientId);
      body.set('client_secret', this.settings.clientSecret);
    } else {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
      const basic = Buffer.from(`${encodeURIComponent(this.settings.clientId)}:${encodeURIComponent(this.settings.clientSecret)}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    const res = await this.#fetch(value.token_endpoint, { method: 'POST', headers, body });
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const err = TokenError.safeParse(json);
      throw new AppError('auth.sso_token', `the identity provider refused the code: ${err.success ? err.data.error : `HTTP ${res.status}`}`);
    }
    const tokens = TokenResponse.safeParse(json);
    if (!tokens.success) throw new AppError('auth.sso_token', 'the identity provider answered without an ID token');
    const identity = await verifyIdToken(tokens.data.id_token, { keys, issuer: value.issuer, clientId: this.settings.clientId, nonce: p.nonce });

    // Many providers put profile claims (name, email, affiliation) in userinfo only.
    let extra: Record<string, unknown> = {};
    if (value.userinfo_endpoint && tokens.data.access_token) {
      const info = await this.#fetch(value.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.data.access_token}`, accept: 'application/json' } });
      const parsed = info.ok && /json/.test(info.headers.get('content-type') ?? '') ? UserInfo.safeParse(await info.json().catch(() => undefined)) : undefined;
      if (parsed?.success) {
        // OIDC Core §5.3.2: userinfo about someone else must not be used.
        if (parsed.data.sub !== identity.subject) throw new AppError('auth.sso_token', 'userinfo is about another subject than the ID token');
        extra = parsed.data;
      }
    }
    return { subject: identity.subject, claims: { ...extra, ...identity.claims } };
  }

  async #metadata(): Promise<{ value: Discovery; keys: JWTVerifyGetKey }> {
    if (this.#discovery && Date.now() - this.#discovery.at < DISCOVERY_TTL_MS) return this.#discovery;
    const url = `${this.settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await this.#fetch(url, { headers: { accept: 'application/json' } });
    const parsed = Discovery.safeParse(res.ok ? await res.json().catch(() => undefined) : undefined);
    if (!parsed.success) throw new AppError('auth.sso_unavailable', `the identity provider's discovery document (${url}) is unusable`);
    // OIDC Discovery §4.3: the issuer in the document must be the one configured, exactly.
    if (parsed.data.issuer !== this.settings.issuer) {
      throw new AppError('auth.sso_unavailable', `the identity provider says its issuer is ${parsed.data.issuer}, not ${this.settings.issuer}`);
    }
    const methods = parsed.data.code_challenge_methods_supported;
    if (methods && !methods.includes('S256')) throw new AppError('auth.sso_unavailable', 'the identity provider does not support PKCE with S256');
    this.#discovery = { value: parsed.data, keys: createRemoteJWKSet(new URL(parsed.data.jwks_uri), { timeoutDuration: HTTP_TIMEOUT_MS }), at: Date.now() };
    return this.#discovery;
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (err) {
      throw new AppError('auth.sso_unavailable', `the identity provider could not be reached (${new URL(url).host})`, { cause: err });
    }
  }
}

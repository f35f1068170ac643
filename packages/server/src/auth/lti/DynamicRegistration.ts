import { z } from 'zod';
import type { LtiRegistration } from '../../storage/LtiRepository.ts';
import { AppError } from '../../errors.ts';
import { GROUPS_SCOPE, NRPS_SCOPE } from './CourseRoster.ts';

/** The platform's OpenID configuration, as far as registration needs it (LTI Dynamic Registration 1.0 §3.5). */
const PlatformConfiguration = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  registration_endpoint: z.string().url(),
  'https://purl.imsglobal.org/spec/lti-platform-configuration': z.object({ product_family_code: z.string().optional() }).optional(),
});

const RegistrationAnswer = z.object({
  client_id: z.string().min(1).max(255),
  'https://purl.imsglobal.org/spec/lti-tool-configuration': z.object({ deployment_id: z.union([z.string(), z.number()]).transform(String).optional() }).optional(),
});

/** What a platform answered: enough to register it as an administrator would by hand. */
export type RegisteredPlatform = Pick<LtiRegistration, 'name' | 'issuer' | 'clientId' | 'deploymentIds' | 'authUrl' | 'jwksUrl' | 'tokenUrl'>;

/** Amphi's endpoints, as the platform must know them. */
export interface ToolEndpoints {
  launchUrl: string;
  loginUrl: string;
  jwksUrl: string;
}

const TIMEOUT_MS = 10_000;

/**
 * LTI Dynamic Registration (moodle.md C.2): reads the platform's configuration, sends it Amphi's
 * (client name, login and launch URLs, keyset, deep linking, the Names and Roles scope) with the
 * platform's one-use registration token, and returns what to store. Moodle creates the tool
 * "pending": its administrator activates it afterwards.
 */
export async function registerWithPlatform(configurationUrl: string, registrationToken: string, tool: ToolEndpoints, fetchImpl: typeof fetch = fetch): Promise<RegisteredPlatform> {
  const get = async (url: string, init: RequestInit) => {
    try {
      return await fetchImpl(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new AppError('lti.unavailable', `the platform could not be reached (${new URL(url).host})`, { cause: err });
    }
  };
  let configUrl: URL;
  try {
    configUrl = new URL(configurationUrl);
  } catch {
    throw new AppError('lti.launch_refused', 'the registration names no usable openid_configuration URL');
  }
  if (configUrl.protocol !== 'https:' && configUrl.protocol !== 'http:') throw new AppError('lti.launch_refused', 'the openid_configuration URL is not http(s)');
  const res = await get(configUrl.toString(), { headers: { accept: 'application/json' } });
  const config = PlatformConfiguration.safeParse(res.ok ? await res.json().catch(() => undefined) : undefined);
  if (!config.success) throw new AppError('lti.unavailable', `the platform's configuration is unusable (HTTP ${res.status})`);
  const c = config.data;
  // The spec: the configuration URL must start with the issuer, so that one site cannot speak for another.
  if (!configUrl.toString().startsWith(c.issuer.replace(/\/+$/, ''))) throw new AppError('lti.launch_refused', 'the platform configuration names another issuer than its own URL');

  const body = {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: tool.loginUrl,
    redirect_uris: [tool.launchUrl],
    client_name: 'Amphi',
    jwks_uri: tool.jwksUrl,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: [NRPS_SCOPE, GROUPS_SCOPE].join(' '),
    'https://purl.imsglobal.org/spec/lti-tool-configuration': {
      domain: new URL(tool.launchUrl).host,
      target_link_uri: tool.launchUrl,
      description: 'Amphi web conferencing',
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [{ type: 'LtiDeepLinkingRequest', target_link_uri: tool.launchUrl, label: 'Amphi' }],
    },
  };
  const answer = await get(c.registration_endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${registrationToken}` }, body: JSON.stringify(body) });
  const registered = RegistrationAnswer.safeParse(answer.ok ? await answer.json().catch(() => undefined) : undefined);
  if (!registered.success) throw new AppError('lti.unavailable', `the platform refused the registration (HTTP ${answer.status})`);
  const deploymentId = registered.data['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id;
  if (!deploymentId) throw new AppError('lti.unavailable', 'the platform answered no deployment id');
  const family = c['https://purl.imsglobal.org/spec/lti-platform-configuration']?.product_family_code;
  return {
    name: `${family ? family.charAt(0).toUpperCase() + family.slice(1) : 'LTI platform'} ${new URL(c.issuer).host}`.slice(0, 100),
    issuer: c.issuer.replace(/\/+$/, ''),
    clientId: registered.data.client_id,
    deploymentIds: [deploymentId],
    authUrl: c.authorization_endpoint,
    jwksUrl: c.jwks_uri,
    tokenUrl: c.token_endpoint,
  };
}

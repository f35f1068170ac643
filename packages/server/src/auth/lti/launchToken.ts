import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError } from '../../errors.ts';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

/** Deep-linking flags: booleans in Moodle 4.5, the strings "true"/"false" in older versions. */
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]).optional();

/** The claims Amphi reads from a launch (IMS LTI 1.3 core, Deep Linking 2.0, NRPS 2.0, course groups). */
const LaunchClaims = z.object({
  iss: z.string(),
  sub: z.string().min(1).max(255),
  aud: z.union([z.string(), z.array(z.string())]),
  azp: z.string().optional(),
  nonce: z.string(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  [`${LTI}deployment_id`]: z.string().min(1).max(255),
  [`${LTI}message_type`]: z.string(),
  [`${LTI}version`]: z.string(),
  [`${LTI}target_link_uri`]: z.string().optional(),
  [`${LTI}roles`]: z.array(z.string()),
  [`${LTI}context`]: z.object({ id: z.string().min(1).max(255), label: z.string().optional(), title: z.string().optional() }).optional(),
  [`${LTI}resource_link`]: z.object({ id: z.string().min(1).max(255), title: z.string().optional(), description: z.string().optional() }).optional(),
  [`${LTI}launch_presentation`]: z.object({ document_target: z.string().optional(), locale: z.string().optional(), return_url: z.string().optional() }).optional(),
  [`${LTI}custom`]: z.record(z.string(), z.unknown()).optional(),
  [`${LTI}ext`]: z.object({ user_username: z.string().optional() }).optional(),
  'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice': z.object({ context_memberships_url: z.string() }).optional(),
  'https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice': z.object({ context_groups_url: z.string() }).optional(),
  [`${DL}deep_linking_settings`]: z
    .object({
      deep_link_return_url: z.string(),
      accept_types: z.array(z.string()).optional(),
      accept_multiple: Flag,
      data: z.string().optional(),
      title: z.string().optional(),
    })
    .optional(),
});

/** A validated launch, in Amphi's words. */
export interface Launch {
  messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  subject: string;
  deploymentId: string;
  roles: string[];
  /** The person's name as the platform shares it (undefined when it shares none). */
  name: string | undefined;
  email: string | undefined;
  context: { id: string; title: string | undefined } | undefined;
  resourceLink: { id: string; title: string | undefined } | undefined;
  /** "iframe", "frame" or "window"; undefined when the platform does not say. */
  documentTarget: string | undefined;
  locale: string | undefined;
  targetLinkUri: string | undefined;
  custom: Record<string, string>;
  membershipsUrl: string | undefined;
  groupsUrl: string | undefined;
  deepLinking: { returnUrl: string; acceptTypes: string[]; data: string | undefined } | undefined;
}

/** Clock skew tolerated; Moodle's tokens live 60 s. */
const CLOCK_TOLERANCE_S = 30;

/**
 * Validates a launch `id_token` (moodle.md C.4 checklist): RS256 only, signed by one of the
 * platform's keys, issuer, audience (and `azp`), expiry and issue time, the nonce of this
 * login, a registered deployment, message type and version, and the claims each message needs.
 * Anything wrong is `lti.launch_refused`; keys that cannot be fetched, `lti.unavailable`.
 */
export async function verifyLaunch(
  idToken: string,
  expected: { keys: JWTVerifyGetKey; issuer: string; clientId: string; nonce: string; deploymentIds: readonly string[]; now?: Date },
): Promise<Launch> {
  let payload: unknown;
  try {
    // A token without a kid cannot be matched to the platform's keyset (C.5).
    if (!decodeProtectedHeader(idToken).kid) throw new AppError('lti.launch_refused', 'the launch token has no key id (kid)');
    ({ payload } = await jwtVerify(idToken, expected.keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ['RS256'],
      requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: '5m',
      ...(expected.now ? { currentDate: expected.now } : {}),
    }));
  } catch (err) {
    if (err instanceof AppError) throw err;
    // A keyset that cannot be fetched or read is the platform's trouble, not a bad token.
    const unreachable = !(err instanceof joseErrors.JOSEError) || err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || (err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message));
    if (unreachable) {
      throw new AppError('lti.unavailable', "the platform's public keys could not be fetched", { cause: err });
    }
    throw new AppError('lti.launch_refused', `the launch token was refused: ${describeJoseError(err)}`, { cause: err });
  }
  const parsed = LaunchClaims.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('lti.launch_refused', `the launch token lacks a required claim (${issue?.path.join('.') ?? '?'})`);
  }
  const c = parsed.data;
  if (Array.isArray(c.aud) && c.aud.length > 1 && c.azp !== expected.clientId) throw new AppError('lti.launch_refused', 'the launch token was issued for another client (azp)');
  if (c.azp !== undefined && c.azp !== expected.clientId) throw new AppError('lti.launch_refused', 'the launch token was issued for another client (azp)');
  // The nonce binds the token to the login Amphi started; the login is used up with it, so a
  // replayed token meets no login or another nonce.
  if (c.nonce !== expected.nonce) throw new AppError('lti.launch_refused', 'the launch token does not belong to this login (nonce)');
  const deploymentId = c[`${LTI}deployment_id`];
  if (!expected.deploymentIds.includes(deploymentId)) throw new AppError('lti.launch_refused', `deployment "${deploymentId}" is not registered for this platform`);
  if (c[`${LTI}version`] !== '1.3.0') throw new AppError('lti.launch_refused', 'only LTI 1.3.0 launches are accepted');
  const messageType = c[`${LTI}message_type`];
  if (messageType !== 'LtiResourceLinkRequest' && messageType !== 'LtiDeepLinkingRequest') throw new AppError('lti.launch_refused', `Amphi does not handle "${messageType}" messages`);
  const resourceLink = c[`${LTI}resource_link`];
  if (messageType === 'LtiResourceLinkRequest' && !resourceLink) throw new AppError('lti.launch_refused', 'the launch names no resource link');
  const dl = c[`${DL}deep_linking_settings`];
  if (messageType === 'LtiDeepLinkingRequest' && !dl) throw new AppError('lti.launch_refused', 'the deep-linking request has no deep_linking_settings');

  const given = [c.given_name, c.family_name].filter((s) => s?.trim()).join(' ');
  const name = c.name?.trim() || given || c[`${LTI}ext`]?.user_username?.trim() || undefined;
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries(c[`${LTI}custom`] ?? {})) if (typeof v === 'string' || typeof v === 'number') custom[k] = String(v);
  const context = c[`${LTI}context`];
  const presentation = c[`${LTI}launch_presentation`];
  return {
    messageType,
    subject: c.sub,
    deploymentId,
    roles: c[`${LTI}roles`],
    name,
    email: c.email,
    context: context ? { id: context.id, title: context.title ?? context.label } : undefined,
    resourceLink: resourceLink ? { id: resourceLink.id, title: resourceLink.title } : undefined,
    documentTarget: presentation?.document_target,
    locale: presentation?.locale,
    targetLinkUri: c[`${LTI}target_link_uri`],
    custom,
    membershipsUrl: c['https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice']?.context_memberships_url,
    groupsUrl: c['https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice']?.context_groups_url,
    deepLinking: dl ? { returnUrl: dl.deep_link_return_url, acceptTypes: dl.accept_types ?? ['ltiResourceLink'], data: dl.data } : undefined,
  };
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" is wrong`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'signed with a key the platform does not publish';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'signature algorithm not allowed';
  if (err instanceof joseErrors.JOSEError) return err.code;
  return 'unreadable';
}

import { z } from 'zod';

/*
 * The single sign-on file (AMPHI_SSO_FILE): the identity providers the sign-in page offers, and
 * how their attributes become Amphi roles. Providers are a union on `type` so that SAML and CAS
 * entries can sit beside OIDC ones; only "oidc" is implemented today.
 */

/** Provider ids appear in URLs (/auth/sso/<id>/login) and in the identities table. */
const ProviderId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, "-" or "_", at most 40');

/** An OpenID Connect provider, found by discovery (<issuer>/.well-known/openid-configuration). */
export const OidcProviderSettings = z.object({
  id: ProviderId,
  /** Shown on the button: "Sign in with <label>". */
  label: z.string().trim().min(1).max(80),
  type: z.literal('oidc'),
  issuer: z.string().url().regex(/^https?:\/\//i, 'expected an http(s) address'),
  clientId: z.string().min(1),
  /** Sent with client_secret_basic to the token endpoint (Amphi is a confidential client). */
  clientSecret: z.string().min(1),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token')).default(['openid', 'profile', 'email'])
    .refine((s) => s.includes('openid'), 'must include "openid"'),
});
export type OidcProviderSettings = z.infer<typeof OidcProviderSettings>;

/** Types that will come; named so that a file using them gets a clear answer instead of a schema dump. */
const PLANNED_TYPES = ['saml', 'cas'];

const ProviderSettings = z.unknown().superRefine((value, ctx) => {
  const type = typeof value === 'object' && value !== null && 'type' in value ? value.type : undefined;
  if (typeof type === 'string' && PLANNED_TYPES.includes(type)) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `"${type}" providers are not supported yet (only "oidc" is, for now)` });
  }
}).pipe(z.discriminatedUnion('type', [OidcProviderSettings], { error: 'expected "type": "oidc"' }));
export type ProviderSettings = z.infer<typeof ProviderSettings>;

/**
 * Attributes → roles. The claim named by `attribute` (a string or an array of strings; scoped
 * values such as "staff@univ.fr" count as "staff") makes someone staff when one of its values is
 * in `staff`; anything else (student, or nothing) is not staff.
 */
export const RoleMapping = z.object({
  attribute: z.string().min(1).default('eduPersonAffiliation'),
  staff: z.array(z.string().min(1)).default(['staff', 'faculty', 'employee']),
  student: z.array(z.string().min(1)).default(['student']),
});
export type RoleMapping = z.infer<typeof RoleMapping>;

export const SsoSettings = z.object({
  providers: z.array(ProviderSettings).min(1, 'list at least one provider'),
  roles: RoleMapping.default({ attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] }),
}).superRefine((s, ctx) => {
  const seen = new Set<string>();
  s.providers.forEach((p, i) => {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `"${p.id}" is used twice` });
    seen.add(p.id);
  });
});
export type SsoSettings = z.infer<typeof SsoSettings>;

/** Parses the SSO file's text; returns the settings or the problems, each naming where it is. */
export function parseSsoSettings(text: string): { ok: true; settings: SsoSettings } | { ok: false; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`not valid JSON (${(err as Error).message})`] };
  }
  const parsed = SsoSettings.safeParse(json);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`) };
}

import { z } from 'zod';

/*
 * The single sign-on file (AMPHI_SSO_FILE): the identity providers the sign-in page offers, and
 * how their attributes become Amphi roles. Providers are a union on `type` so that SAML and CAS
 * entries can sit beside OIDC ones.
 */

/** Provider ids appear in URLs (/auth/sso/<id>/login) and in the identities table. */
const ProviderId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, "-" or "_", at most 40');

/** Where the person's identifier, email, name and affiliation are, when not under the usual names (SAML, CAS). */
const AttributeNames = z
  .object({
    subject: z.string().min(1).optional(),
    email: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    affiliation: z.string().min(1).optional(),
  })
  .strict()
  .default({});

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

/** A SAML 2.0 identity provider; Amphi is the service provider (see auth/sso/saml/). */
export const SamlProviderSettings = z.object({
  id: ProviderId,
  label: z.string().trim().min(1).max(80),
  type: z.literal('saml'),
  /** The IdP's metadata: fetched at start and refreshed (a federation's or the IdP's own URL)… */
  idpMetadataUrl: z.string().url().regex(/^https?:\/\//i, 'expected an http(s) address').optional(),
  /** …or read from a file. */
  idpMetadataFile: z.string().min(1).optional(),
  /** Which IdP, when the metadata is a federation's (RENATER's lists every IdP). */
  idpEntityId: z.string().min(1).optional(),
  /** Amphi's entityID; by default the SP metadata address, <public URL>/auth/sso/<id>/metadata. */
  entityId: z.string().min(1).optional(),
  /** The SP's own key and certificate (PEM files); by default made at first start in the data folder. */
  spKeyFile: z.string().min(1).optional(),
  spCertFile: z.string().min(1).optional(),
  /** Attribute names, when the IdP releases them under other names than the eduPerson/urn:oid ones. */
  attributes: AttributeNames,
}).superRefine((p, ctx) => {
  if ((p.idpMetadataUrl === undefined) === (p.idpMetadataFile === undefined)) ctx.addIssue({ code: 'custom', path: ['idpMetadataUrl'], message: 'give exactly one of "idpMetadataUrl" and "idpMetadataFile"' });
  if ((p.spKeyFile === undefined) !== (p.spCertFile === undefined)) ctx.addIssue({ code: 'custom', path: ['spKeyFile'], message: 'give both "spKeyFile" and "spCertFile", or neither' });
});
export type SamlProviderSettings = z.infer<typeof SamlProviderSettings>;

/** A CAS 3.0 server; Amphi is a CAS service and validates tickets at <serverUrl>/p3/serviceValidate (see auth/sso/cas/). */
export const CasProviderSettings = z.object({
  id: ProviderId,
  label: z.string().trim().min(1).max(80),
  type: z.literal('cas'),
  /** The CAS base URL, under which /login and /p3/serviceValidate are (e.g. https://cas.univ.fr/cas). */
  serverUrl: z.string().url().regex(/^https?:\/\//i, 'expected an http(s) address').transform((u) => u.replace(/\/+$/, '')),
  /**
   * Attribute names, when the CAS server releases them under other names than mail, displayName/cn,
   * eduPersonAffiliation; `subject` is by default the CAS user (<cas:user>).
   */
  attributes: AttributeNames,
});
export type CasProviderSettings = z.infer<typeof CasProviderSettings>;


const ProviderSettings = z.discriminatedUnion('type', [OidcProviderSettings, SamlProviderSettings, CasProviderSettings], { error: 'expected "type": "oidc", "saml" or "cas"' });
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

import type { SamlProviderSettings } from '../SsoSettings.ts';

/**
 * The usual higher-education attributes, by the names IdPs release them under: the eduPerson /
 * inetOrgPerson friendly name, and the urn:oid name (the RENATER federation's norm).
 */
export const SAML_ATTRIBUTE_NAMES = {
  subject: ['eduPersonPrincipalName', 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6'],
  email: ['mail', 'urn:oid:0.9.2342.19200300.100.1.3'],
  name: ['displayName', 'urn:oid:2.16.840.1.113730.3.1.241'],
  affiliation: ['eduPersonAffiliation', 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1'],
} as const;

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * Turns a verified assertion's attributes into the claims the shared profile code reads (email,
 * name, and the role mapping's attribute), plus the stable subject. The subject is
 * eduPersonPrincipalName when released, else the NameID when it is persistent (a transient one
 * changes at every sign-in and cannot identify anyone).
 */
export function claimsFromAttributes(
  attributes: Record<string, unknown>,
  nameId: { value: string; format: string | undefined },
  names: SamlProviderSettings['attributes'],
  roleAttribute: string,
): { subject: string | undefined; claims: Record<string, unknown> } {
  const pick = (key: keyof typeof SAML_ATTRIBUTE_NAMES): string[] => {
    for (const n of names[key] ? [names[key]] : SAML_ATTRIBUTE_NAMES[key]) {
      const v = strings(attributes[n]);
      if (v.length) return v;
    }
    return [];
  };
  const persistent = nameId.format === 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
  const subject = pick('subject')[0]?.trim() || (persistent ? nameId.value : undefined);
  const claims: Record<string, unknown> = { email: pick('email')[0], name: pick('name')[0] };
  // The role mapping names its attribute in the friendly form; eduPersonAffiliation's OID counts too.
  claims[roleAttribute] = roleAttribute === 'eduPersonAffiliation' ? pick('affiliation') : strings(attributes[roleAttribute]);
  return { subject, claims };
}

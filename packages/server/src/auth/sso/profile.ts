import { AppError } from '../../errors.ts';
import type { RoleMapping } from './SsoSettings.ts';

/** What a sign-in tells Amphi about the person, whatever the protocol. */
export interface SsoProfile {
  email: string;
  name: string;
  isStaff: boolean;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * Whether the affiliation attribute makes someone staff. Values may be scoped
 * ("staff@univ.fr", as eduPersonScopedAffiliation has them) and are compared without case.
 */
export function isStaffByAttribute(claims: Record<string, unknown>, roles: RoleMapping): boolean {
  const staff = new Set(roles.staff.map((s) => s.toLowerCase()));
  return strings(claims[roles.attribute]).some((v) => staff.has(v.split('@')[0]!.trim().toLowerCase()));
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Reads name, email and role from the claims (`auth.sso_profile` when there is no usable email). */
export function profileFromClaims(claims: Record<string, unknown>, roles: RoleMapping): SsoProfile {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  if (!EMAIL.test(email) || email.length > 254) throw new AppError('auth.sso_profile', 'the identity provider did not give an email address');
  // Some providers say the address is not verified: then it does not prove who this is.
  if (claims.email_verified === false) throw new AppError('auth.sso_profile', 'the identity provider says this email address is not verified');
  const given = typeof claims.given_name === 'string' ? claims.given_name.trim() : '';
  const family = typeof claims.family_name === 'string' ? claims.family_name.trim() : '';
  const full = typeof claims.name === 'string' ? claims.name.trim() : '';
  const name = (full || [given, family].filter(Boolean).join(' ') || email.split('@')[0]!).slice(0, 100);
  return { email, name, isStaff: isStaffByAttribute(claims, roles) };
}

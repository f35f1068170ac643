/*
 * Amphi as a CAS 3.0 service for one CAS server: where to send the browser (/login), and the
 * server-to-server validation of the ticket it comes back with (/p3/serviceValidate), which is
 * what makes the ticket trustworthy — a ticket is only a random string until its server vouches
 * for it, for this service URL.
 */
import { AppError } from '../../../errors.ts';
import type { CasProviderSettings, RoleMapping } from '../SsoSettings.ts';
import { parseServiceResponse } from './serviceResponse.ts';
import { UsedTickets } from './UsedTickets.ts';

const HTTP_TIMEOUT_MS = 10_000;
/** CAS 3.0 §3.1.1: service tickets begin with "ST-"; 32 to 256 characters are what servers issue. */
const SERVICE_TICKET = /^ST-[\x21-\x7e]{1,253}$/;

/** A validated sign-in: the stable subject, and the attributes as claims for profileFromClaims. */
export interface CasResult {
  subject: string;
  claims: Record<string, unknown>;
}

export class CasClient {
  readonly #used: UsedTickets;

  constructor(
    readonly settings: CasProviderSettings,
    /** Amphi's callback for this provider; the service URL is it plus the attempt's state. */
    readonly callbackUrl: string,
    used = new UsedTickets(),
  ) {
    this.#used = used;
  }

  /**
   * The service URL of one attempt. The state rides in it because CAS sends back only `ticket`:
   * this way the ticket is also bound, at the CAS server, to the attempt it was issued for.
   */
  serviceUrl(state: string): string {
    const url = new URL(this.callbackUrl);
    url.searchParams.set('state', state);
    return url.toString();
  }

  /** Where to send the browser to sign in. */
  loginUrl(service: string): URL {
    const url = new URL(`${this.settings.serverUrl}/login`);
    url.searchParams.set('service', service);
    return url;
  }

  /**
   * Validates `ticket` for `service` at the CAS server. Each ticket is tried once only, whatever
   * the outcome: a second presentation is refused here before the server is asked.
   */
  async validate(ticket: string, service: string, roles: RoleMapping): Promise<CasResult> {
    if (!SERVICE_TICKET.test(ticket)) throw new AppError('auth.sso_token', 'the CAS server sent no valid service ticket');
    if (!(await this.#used.claim(ticket))) throw new AppError('auth.sso_token', 'this CAS ticket was already used');
    const url = new URL(`${this.settings.serverUrl}/p3/serviceValidate`);
    url.searchParams.set('service', service);
    url.searchParams.set('ticket', ticket);
    let text: string;
    try {
      const res = await fetch(url, { redirect: 'error', headers: { accept: 'application/xml, text/xml' }, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      if (!res.ok) throw new AppError('auth.sso_unavailable', `the CAS server answered HTTP ${res.status} to the ticket validation`);
      text = await res.text();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('auth.sso_unavailable', `the CAS server could not be reached (${url.host})`, { cause: err });
    }
    const answer = parseServiceResponse(text);
    if (!answer.ok) throw new AppError('auth.sso_token', `the CAS server refused the ticket: ${answer.code}${answer.description ? ` (${answer.description.slice(0, 100)})` : ''}`);
    return { subject: this.#subject(answer.user, answer.attributes), claims: claimsFromCasAttributes(answer.attributes, this.settings.attributes, roles) };
  }

  #subject(user: string, attributes: Record<string, string[]>): string {
    const name = this.settings.attributes.subject;
    if (!name) return user;
    const value = Object.hasOwn(attributes, name) ? first(attributes[name]) : undefined;
    if (!value) throw new AppError('auth.sso_profile', `the CAS server did not release the "${name}" attribute`);
    return value;
  }
}

function first(values: string[] | undefined): string | undefined {
  return values?.find((v) => v.length > 0);
}

/**
 * CAS attributes → the claim names profileFromClaims reads (email, name, and the role mapping's
 * attribute), following the provider's overrides. displayName is preferred to cn, as the name
 * people chose to show.
 */
export function claimsFromCasAttributes(attributes: Record<string, string[]>, names: CasProviderSettings['attributes'], roles: RoleMapping): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  const get = (name: string) => (Object.hasOwn(attributes, name) ? attributes[name] : undefined);
  const email = first(get(names.email ?? 'mail'));
  if (email !== undefined) claims.email = email;
  const name = names.name ? first(get(names.name)) : first(get('displayName')) ?? first(get('cn'));
  if (name !== undefined) claims.name = name;
  const affiliation = get(names.affiliation ?? roles.attribute);
  if (affiliation) claims[roles.attribute] = affiliation;
  return claims;
}

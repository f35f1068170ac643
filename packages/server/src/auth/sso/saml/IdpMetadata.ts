import fs from 'node:fs/promises';
import { DOMParser } from '@xmldom/xmldom';
import { AppError } from '../../../errors.ts';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What Amphi needs from an IdP's metadata. */
export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService for the HTTP-Redirect binding. */
  ssoRedirectUrl: string;
  /** Signing certificates (PEM); during a key rollover there are two. */
  signingCerts: string[];
}

function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

/**
 * Reads IdP metadata: one EntityDescriptor, or a federation's EntitiesDescriptor from which
 * `entityId` picks the IdP. Refuses (auth.sso_unavailable) metadata without a Redirect
 * SingleSignOnService or a signing certificate, rather than failing later at sign-in.
 */
export function parseIdpMetadata(xml: string, entityId?: string): IdpMetadata {
  const problems: string[] = [];
  const doc = new DOMParser({ errorHandler: { error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) } }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (problems.length || !root || root.namespaceURI !== MD) throw new AppError('auth.sso_unavailable', `the IdP metadata is not SAML metadata${problems[0] ? ` (${problems[0]})` : ''}`);
  const entities: Element[] = [];
  const collect = (el: Element) => {
    if (el.localName === 'EntityDescriptor') entities.push(el);
    else if (el.localName === 'EntitiesDescriptor') for (const c of [...children(el, MD, 'EntitiesDescriptor'), ...children(el, MD, 'EntityDescriptor')]) collect(c);
  };
  collect(root);
  const withIdp = entities.filter((e) => children(e, MD, 'IDPSSODescriptor').length > 0);
  const entity = entityId ? withIdp.find((e) => e.getAttribute('entityID') === entityId) : withIdp.length === 1 ? withIdp[0] : undefined;
  if (!entity) throw new AppError('auth.sso_unavailable', entityId ? `the IdP metadata has no IdP "${entityId}"` : 'the IdP metadata holds several IdPs (or none): name one with "idpEntityId"');
  const idp = children(entity, MD, 'IDPSSODescriptor')[0]!;
  const sso = children(idp, MD, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === REDIRECT)?.getAttribute('Location');
  const signingCerts = children(idp, MD, 'KeyDescriptor')
    .filter((k) => !k.getAttribute('use') || k.getAttribute('use') === 'signing')
    .flatMap((k) => children(k, DS, 'KeyInfo').flatMap((ki) => children(ki, DS, 'X509Data').flatMap((d) => children(d, DS, 'X509Certificate'))))
    .map((c) => toPem(c.textContent ?? ''));
  if (!sso || !/^https?:\/\//i.test(sso)) throw new AppError('auth.sso_unavailable', 'the IdP metadata has no HTTP-Redirect SingleSignOnService');
  if (signingCerts.length === 0) throw new AppError('auth.sso_unavailable', 'the IdP metadata has no signing certificate');
  return { entityId: entity.getAttribute('entityID') ?? '', ssoRedirectUrl: sso, signingCerts };
}

const REFRESH_MS = 6 * 3600_000;
const RETRY_MS = 60_000;

/**
 * The IdP's metadata, kept fresh: read from a file, or fetched from a URL at first use and again
 * every few hours (IdPs roll their keys over through metadata). A failed refresh keeps the last
 * good copy; with no good copy yet, sign-ins answer auth.sso_unavailable and it retries soon.
 */
export class IdpMetadataSource {
  #current: IdpMetadata | undefined;
  #fetchedAt = 0;
  #failedAt = 0;
  #inFlight: Promise<IdpMetadata> | undefined;

  constructor(private readonly source: { url?: string | undefined; file?: string | undefined; entityId?: string | undefined }, private readonly now: () => number = Date.now) {}

  async get(): Promise<IdpMetadata> {
    const t = this.now();
    const stale = t - this.#fetchedAt > REFRESH_MS;
    if (this.#current && !stale) return this.#current;
    if (this.#current && t - this.#failedAt < RETRY_MS) return this.#current;
    if (!this.#current && t - this.#failedAt < 2_000) throw new AppError('auth.sso_unavailable', 'the IdP metadata could not be loaded; try again shortly');
    this.#inFlight ??= this.#load().finally(() => {
      this.#inFlight = undefined;
    });
    try {
      return await this.#inFlight;
    } catch (err) {
      if (this.#current) return this.#current;
      throw err;
    }
  }

  async #load(): Promise<IdpMetadata> {
    try {
      let xml: string;
      if (this.source.file) xml = await fs.readFile(this.source.file, 'utf8');
      else {
        const res = await fetch(this.source.url!, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
        if (!res.ok) throw new AppError('auth.sso_unavailable', `the IdP metadata answered HTTP ${res.status}`);
        xml = await res.text();
      }
      const parsed = parseIdpMetadata(xml, this.source.entityId);
      this.#current = parsed;
      this.#fetchedAt = this.now();
      return parsed;
    } catch (err) {
      this.#failedAt = this.now();
      throw err instanceof AppError ? err : new AppError('auth.sso_unavailable', 'the IdP metadata could not be loaded', { cause: err });
    }
  }
}

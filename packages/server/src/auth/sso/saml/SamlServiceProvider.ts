import { AsyncLocalStorage } from 'node:async_hooks';
import { SAML, SamlStatusError, ValidateInResponseTo } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { AppError } from '../../../errors.ts';
import type { SamlProviderSettings } from '../SsoSettings.ts';
import { IdpMetadataSource, type IdpMetadata } from './IdpMetadata.ts';
import { claimsFromAttributes } from './samlAttributes.ts';
import type { AssertionReplayCache, SamlRequests } from './SamlRequests.ts';
import type { SpCredentials } from './SpCredentials.ts';

/*
 * Amphi as a SAML 2.0 service provider for one IdP.
 *
 * XML signature verification is where SAML implementations break (canonicalisation, signature
 * wrapping, comments in NameIDs), so it is left to @node-saml/node-saml, the maintained core of
 * passport-saml, over xml-crypto: it verifies the assertion's signature against the IdP's
 * metadata certificates and hands back only what the signature covers, refuses several
 * assertions in one response, and checks Conditions (NotBefore/NotOnOrAfter with a clock skew)
 * and Audience. What it leaves to its caller, done below on the signed assertion: the response's
 * Destination, the Issuer, the bearer SubjectConfirmation (Recipient, NotOnOrAfter,
 * InResponseTo), InResponseTo bound to a request this node sent and used once (its own cache
 * checks the unsigned Response@InResponseTo and cannot carry `next`), and a replay cache of
 * assertion IDs.
 */

const SKEW_MS = 60_000;
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** What the IdP's POST to the ACS carries. */
export interface AcsForm {
  SAMLResponse?: string | undefined;
  RelayState?: string | undefined;
}

/** A verified answer: who it is, their attributes as claims, and where they were going. */
export interface SamlAnswer {
  subject: string | undefined;
  claims: Record<string, unknown>;
  next: string;
  /** The binding of the sign-in it answers: only the browser holding it may use the answer. */
  bindingHash: string;
}

function refused(message: string, cause?: unknown): AppError {
  return new AppError('auth.sso_token', message, { cause });
}

function parseXml(xml: string): Document {
  const problems: string[] = [];
  const doc = new DOMParser({ errorHandler: { error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) } }).parseFromString(xml, 'text/xml');
  if (problems.length || !doc.documentElement) throw refused('the SAML response is not well-formed XML');
  return doc;
}

function child(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

function instant(value: string | null): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

export class SamlServiceProvider {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly #requestId = new AsyncLocalStorage<string>();
  readonly #metadata: IdpMetadataSource;

  constructor(
    private readonly settings: SamlProviderSettings,
    publicUrl: URL,
    private readonly credentials: SpCredentials,
    private readonly roleAttribute: string,
    private readonly requests: SamlRequests,
    private readonly replays: AssertionReplayCache,
    private readonly now: () => number = Date.now,
  ) {
    this.entityId = settings.entityId ?? new URL(`/auth/sso/${settings.id}/metadata`, publicUrl).toString();
    this.acsUrl = new URL(`/auth/sso/${settings.id}/acs`, publicUrl).toString();
    this.#metadata = new IdpMetadataSource({ url: settings.idpMetadataUrl, file: settings.idpMetadataFile, entityId: settings.idpEntityId });
  }

  /** Loads the IdP metadata ahead of the first sign-in; a failure is retried at sign-in. */
  warmUp(): Promise<void> {
    return this.#metadata.get().then(() => undefined, () => undefined);
  }

  #saml(idp: IdpMetadata | undefined): SAML {
    return new SAML({
      entryPoint: idp?.ssoRedirectUrl,
      issuer: this.entityId,
      callbackUrl: this.acsUrl,
      audience: this.entityId,
      // Metadata generation needs no IdP; verification always has one.
      idpCert: idp?.signingCerts ?? this.credentials.certPem,
      privateKey: this.credentials.keyPem,
      publicCert: this.credentials.certPem,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: SKEW_MS,
      validateInResponseTo: ValidateInResponseTo.never,
      // Let the IdP choose the NameID format; the subject comes from eduPersonPrincipalName.
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      // The request ID is ours (SamlRequests), handed in per call without shared mutable state.
      generateUniqueId: () => this.#requestId.getStore() ?? '_unused',
    });
  }

  /** The SP metadata to give the IdP or federation: entityID, ACS (HTTP-POST), signing cert. */
  metadataXml(): string {
    return this.#saml(undefined).generateServiceProviderMetadata(null, this.credentials.certPem);
  }

  /** The IdP's address with a signed AuthnRequest (HTTP-Redirect binding), and the browser's binding secret; remembers `next`. */
  async loginUrl(next: string): Promise<{ redirect: URL; binding: string }> {
    const idp = await this.#metadata.get();
    const { id, relayState, binding } = await this.requests.start(this.settings.id, next);
    const url = await this.#requestId.run(id, () => this.#saml(idp).getAuthorizeUrlAsync(relayState, undefined, {}));
    return { redirect: new URL(url), binding };
  }

  /** Verifies the IdP's POSTed answer; AppError auth.sso_token / sso_state / sso_denied if refused. */
  async finish(form: AcsForm): Promise<SamlAnswer> {
    if (!form.SAMLResponse) throw refused('the identity provider sent no SAMLResponse');
    const idp = await this.#metadata.get();
    const raw = parseXml(Buffer.from(form.SAMLResponse, 'base64').toString('utf8')).documentElement!;
    if (raw.namespaceURI !== PROTOCOL || raw.localName !== 'Response') throw refused('not a SAML Response');
    if (raw.getAttribute('Destination') !== this.acsUrl) throw refused('the SAML response is addressed to another Destination');

    let verified;
    try {
      verified = await this.#saml(idp).validatePostResponseAsync({ SAMLResponse: form.SAMLResponse });
    } catch (err) {
      if (err instanceof SamlStatusError) throw new AppError('auth.sso_denied', 'the identity provider refused the sign-in', { cause: err });
      throw refused(`the SAML response was refused: ${(err as Error).message}`, err);
    }
    const profile = verified.profile;
    if (!profile?.getAssertionXml) throw refused('the SAML response holds no assertion');

    // Everything below reads the signed assertion only, never the envelope around it.
    const assertion = parseXml(profile.getAssertionXml()).documentElement!;
    const assertionId = assertion.getAttribute('ID');
    if (!assertionId) throw refused('the assertion has no ID');
    const issuer = child(assertion, ASSERTION, 'Issuer')[0]?.textContent?.trim();
    if (issuer !== idp.entityId) throw refused('the assertion was issued by another IdP');
    const t = this.now();
    const subject = child(assertion, ASSERTION, 'Subject')[0];
    const confirmation = subject && child(subject, ASSERTION, 'SubjectConfirmation')
      .filter((c) => c.getAttribute('Method') === BEARER)
      .map((c) => child(c, ASSERTION, 'SubjectConfirmationData')[0])
      .find((d) => d !== undefined && d.getAttribute('Recipient') === this.acsUrl && (instant(d.getAttribute('NotOnOrAfter')) ?? 0) > t - SKEW_MS && (instant(d.getAttribute('NotBefore')) ?? 0) <= t + SKEW_MS);
    if (!confirmation) throw refused('the assertion has no valid bearer confirmation for this ACS (Recipient or NotOnOrAfter)');
    const inResponseTo = confirmation.getAttribute('InResponseTo');
    const envelopeInResponseTo = raw.getAttribute('InResponseTo');
    if (envelopeInResponseTo && envelopeInResponseTo !== inResponseTo) throw refused('the response and its assertion answer different requests');
    const conditions = child(assertion, ASSERTION, 'Conditions')[0];
    const expiresAt = Math.max(instant(confirmation.getAttribute('NotOnOrAfter')) ?? 0, instant(conditions?.getAttribute('NotOnOrAfter') ?? null) ?? 0);

    if (!(await this.replays.firstUse(`${idp.entityId} ${assertionId}`, expiresAt + SKEW_MS))) {
      throw new AppError('auth.sso_state', 'this SAML assertion was already used');
    }
    // Unsolicited (IdP-initiated) answers are refused: nothing binds them to a browser.
    const request = inResponseTo ? await this.requests.take(inResponseTo) : undefined;
    if (!request || request.provider !== this.settings.id) throw new AppError('auth.sso_state', 'this SAML answer is not for a sign-in Amphi started, has expired or was already used');
    if (form.RelayState !== undefined && form.RelayState !== request.relayState) throw new AppError('auth.sso_state', 'the RelayState does not match the sign-in');

    const nameIdFormat = typeof profile.nameIDFormat === 'string' ? profile.nameIDFormat : undefined;
    const attributes = typeof profile.attributes === 'object' && profile.attributes !== null ? (profile.attributes as Record<string, unknown>) : {};
    const { subject: who, claims } = claimsFromAttributes(attributes, { value: profile.nameID, format: nameIdFormat }, this.settings.attributes, this.roleAttribute);
    return { subject: who, claims, next: request.next, bindingHash: request.bindingHash };
  }
}

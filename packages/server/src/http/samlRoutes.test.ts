// SAML 2.0 sign-in against a real identity provider (SimpleSAMLphp from Debian, run by PHP's
// built-in server: tests/fixtures/samlIdp.ts): Amphi's app gets requests by inject() and fetches
// the IdP's metadata over HTTP; the "browser" is fetch() with a cookie jar, following redirects,
// posting the IdP's login form and then the SAMLResponse form to Amphi's ACS. Forged answers are
// made from real ones: stripped, altered, or re-signed with the IdP's key or a throwaway one.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { samlPassword, startSamlIdp, type SamlAccount, type TestSamlIdp } from '../../../../tests/fixtures/samlIdp.ts';
import { SESSION_COOKIE } from '../auth/SessionService.ts';
import { SSO_BINDING_COOKIE } from './ssoRoutes.ts';
import { loadSpCredentials, type SpCredentials } from '../auth/sso/saml/SpCredentials.ts';
import { selfSignedCertificate } from '../auth/sso/saml/selfSignedCertificate.ts';
import type { SsoSettings } from '../auth/sso/SsoSettings.ts';
import { PUBLIC_URL } from './testing/httpHarness.ts';
import { assertRefused, browse, cookieValue, formPost, me, setCookies, ssoApp, ssoSettingsFor, startSignIn as startAt } from './testing/ssoHarness.ts';

const ENTITY_ID = `${PUBLIC_URL}/auth/sso/univ/metadata`;
const ACS = `${PUBLIC_URL}/auth/sso/univ/acs`;
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

let idp: TestSamlIdp;
let dataDir: string;
let sp: SpCredentials;

before(async () => {
  // The SP key pair is made the way Amphi makes it at first start, in its data folder.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-saml-data-'));
  sp = loadSpCredentials({ providerId: 'univ', dataDir });
  idp = await startSamlIdp({ sps: [{ entityId: ENTITY_ID, acsUrl: ACS, certPem: sp.certPem }] });
});
after(async () => {
  await idp?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function ssoSettings(): SsoSettings {
  return ssoSettingsFor({ id: 'univ', label: 'Université (SAML)', type: 'saml', idpMetadataUrl: idp.metadataUrl, attributes: {} });
}

function setup(t: TestContext) {
  return ssoApp(t, ssoSettings(), dataDir);
}

function decodeHtml(s: string): string {
  return s.replaceAll('&quot;', '"').replaceAll('&#039;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** The IdP's auto-submitting form back to Amphi. */
interface IdpAnswer {
  action: string;
  SAMLResponse: string;
  RelayState: string | undefined;
  /** The binding cookie of the browser that started the sign-in. */
  binding?: string | undefined;
}

/** Plays the browser at SimpleSAMLphp: from the AuthnRequest URL to its form posting to the ACS. */
function atIdp(loginUrl: string, account: SamlAccount): Promise<IdpAnswer> {
  return browse<IdpAnswer>(loginUrl, 'the IdP', {
    onPage: ({ url, status, html }) => {
      assert.equal(status, 200, `IdP page ${url}: ${html.slice(0, 500)}`);
      const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html);
      if (samlResponse) {
        const action = /<form[^>]*action="([^"]+)"/.exec(html);
        const relay = /name="RelayState" value="([^"]*)"/.exec(html);
        return { done: { action: decodeHtml(action![1]!), SAMLResponse: decodeHtml(samlResponse[1]!), RelayState: relay ? decodeHtml(relay[1]!) : undefined } };
      }
      assert.match(html, /name="username"/, `the IdP shows its login form: ${html.slice(0, 500)}`);
      const form = /<form[^>]*action="([^"]*)"/.exec(html);
      const authState = /name="AuthState" value="([^"]+)"/.exec(html);
      const body = new URLSearchParams({ username: account, password: samlPassword(account) });
      if (authState) body.set('AuthState', decodeHtml(authState[1]!));
      return { url: new URL(decodeHtml(form?.[1] || url), url).toString(), init: formPost(body) };
    },
  });
}

async function startSignIn(app: FastifyInstance, next?: string): Promise<{ location: string; binding: string | undefined }> {
  const { res, location } = await startAt(app, 'univ', next);
  assert.ok(location.startsWith(idp.baseUrl), `to the IdP: ${location}`);
  const binding = cookieValue(res, SSO_BINDING_COOKIE);
  const cookie = setCookies(res).find((c) => c.startsWith(`${SSO_BINDING_COOKIE}=`));
  assert.ok(binding && cookie && /HttpOnly/.test(cookie) && /SameSite=Lax/i.test(cookie), `the browser gets an HttpOnly, Lax binding cookie: ${cookie}`);
  return { location, binding };
}

/**
 * The browser's cross-site POST of the IdP's form to Amphi's ACS, then (as a browser does) the
 * ACS's redirect followed with `browser`'s binding cookie: by default the one that started it.
 */
async function postAcs(app: FastifyInstance, answer: IdpAnswer, browser: string | null = answer.binding ?? null) {
  const body = new URLSearchParams({ SAMLResponse: answer.SAMLResponse });
  if (answer.RelayState !== undefined) body.set('RelayState', answer.RelayState);
  const res = await app.inject({ method: 'POST', url: '/auth/sso/univ/acs', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: idp.baseUrl }, payload: body.toString() });
  const location = String(res.headers.location ?? '');
  if (res.statusCode !== 303 || !location.startsWith('/auth/sso/univ/acs/done?')) return res;
  assert.equal(setCookies(res).some((c) => c.startsWith(`${SESSION_COOKIE}=`)), false, 'no session from the cross-site POST itself');
  return app.inject({ method: 'GET', url: location, headers: browser ? { cookie: `${SSO_BINDING_COOKIE}=${browser}` } : {} });
}

async function answerFor(app: FastifyInstance, account: SamlAccount, next?: string): Promise<IdpAnswer> {
  const { location, binding } = await startSignIn(app, next);
  const answer = await atIdp(location, account);
  assert.equal(answer.action, ACS);
  return { ...answer, binding };
}

// --- forging answers from real ones ---------------------------------------------------------

function xmlOf(answer: IdpAnswer): string {
  return Buffer.from(answer.SAMLResponse, 'base64').toString('utf8');
}
function withXml(answer: IdpAnswer, xml: string): IdpAnswer {
  return { ...answer, SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') };
}

/** The response with every XML signature removed. */
function unsigned(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  for (const sig of Array.from(doc.getElementsByTagNameNS(DS, 'Signature'))) sig.parentNode!.removeChild(sig);
  return new XMLSerializer().serializeToString(doc);
}

/** The assertion, altered by `edit`, signed again (enveloped, exc-c14n, RSA-SHA256) with `key`. */
function resigned(xml: string, key: { keyPem: string; certPem: string }, edit: (xml: string) => string = (x) => x): string {
  const sig = new SignedXml({ privateKey: key.keyPem, publicCert: key.certPem, signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  sig.addReference({ xpath: "//*[local-name(.)='Assertion']", transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
  sig.computeSignature(edit(unsigned(xml)), { location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

function throwawayKey(): { keyPem: string; certPem: string } {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: selfSignedCertificate(privateKey, 'Not the IdP') };
}

// --- tests -----------------------------------------------------------------------------------

describe('SAML SP metadata', () => {
  it('is well-formed and carries the entityID, the HTTP-POST ACS and the signing certificate', async (t) => {
    const { app } = await setup(t);
    const res = await app.inject({ method: 'GET', url: '/auth/sso/univ/metadata' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/samlmetadata\+xml/);
    const errors: string[] = [];
    const doc = new DOMParser({ errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) } }).parseFromString(res.body, 'text/xml');
    assert.deepEqual(errors, []);
    const root = doc.documentElement!;
    assert.equal(root.namespaceURI, MD);
    assert.equal(root.localName, 'EntityDescriptor');
    assert.equal(root.getAttribute('entityID'), ENTITY_ID);
    const spSso = doc.getElementsByTagNameNS(MD, 'SPSSODescriptor')[0]!;
    assert.equal(spSso.getAttribute('AuthnRequestsSigned'), 'true');
    assert.equal(spSso.getAttribute('WantAssertionsSigned'), 'true');
    const acs = doc.getElementsByTagNameNS(MD, 'AssertionConsumerService')[0]!;
    assert.equal(acs.getAttribute('Binding'), 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    assert.equal(acs.getAttribute('Location'), ACS);
    const cert = doc.getElementsByTagNameNS(DS, 'X509Certificate')[0]!.textContent!.replace(/\s+/g, '');
    assert.equal(cert, sp.certPem.replace(/-----[^-]+-----|\s+/g, ''));
    assert.ok(new crypto.X509Certificate(sp.certPem).checkPrivateKey(crypto.createPrivateKey(sp.keyPem)));
    assert.ok(fs.existsSync(path.join(dataDir, 'saml', 'univ', 'sp-key.pem')), 'the SP key lives in the data folder');
  });

  it('answers 404 for a provider that is not SAML', async (t) => {
    const { app } = await setup(t);
    assert.equal((await app.inject({ method: 'GET', url: '/auth/sso/nope/metadata' })).statusCode, 404);
  });
});

describe('the whole SAML sign-in against SimpleSAMLphp', () => {
  it('sends a signed AuthnRequest by HTTP-Redirect', async (t) => {
    const { app } = await setup(t);
    const u = new URL((await startSignIn(app)).location);
    assert.equal(u.pathname, '/saml2/idp/SSOService.php');
    assert.ok(u.searchParams.get('SAMLRequest'));
    assert.equal(u.searchParams.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.ok(u.searchParams.get('Signature'));
    assert.ok(u.searchParams.get('RelayState'));
  });

  it('signs a staff member in from urn:oid attributes, back to next', async (t) => {
    const { app, storage } = await setup(t);
    const answer = await answerFor(app, 'marie', '/m/abc-defg-hij?x=1');
    assert.match(xmlOf(answer), /Name="urn:oid:1\.3\.6\.1\.4\.1\.5923\.1\.1\.1\.1"/, 'the IdP releases urn:oid names');
    const res = await postAcs(app, answer);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/m/abc-defg-hij?x=1');
    assert.match(setCookies(res).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!, /HttpOnly/);
    const user = await me(app, res);
    assert.equal(user.email, 'marie.curie@univ.test');
    assert.equal(user.name, 'Marie Curie');
    assert.equal(user.isStaff, true);
    const stored = await storage.users.byEmail('marie.curie@univ.test');
    assert.equal(stored?.passwordHash, null);
    assert.equal(await storage.identities.userIdOf('univ', 'marie@univ.test'), stored?.id, 'eduPersonPrincipalName is the subject');
  });

  it('signs a student in as not staff, and reuses the account at the second sign-in', async (t) => {
    const { app, storage } = await setup(t);
    const first = await me(app, await postAcs(app, await answerFor(app, 'leo')));
    assert.equal(first.email, 'leo.martin@etu.univ.test');
    assert.equal(first.name, 'Léo Martin');
    assert.equal(first.isStaff, false);
    const second = await me(app, await postAcs(app, await answerFor(app, 'leo')));
    assert.equal(second.id, first.id);
    assert.equal(await storage.users.count(), 1);
  });

  it('refuses an answer posted by another browser than the one that started the sign-in (login CSRF)', async (t) => {
    const { app } = await setup(t);
    // The attacker signs in at the IdP as themselves and has the victim's browser post the answer.
    const attackers = await answerFor(app, 'leo');
    const victim = (await startSignIn(app)).binding;
    assertRefused(await postAcs(app, attackers, victim), 'auth.sso_state');
    assertRefused(await postAcs(app, await answerFor(app, 'leo'), null), 'auth.sso_state');
  });

  it('refuses the same SAMLResponse posted twice', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'marie');
    assert.ok(cookieValue(await postAcs(app, answer), SESSION_COOKIE));
    assertRefused(await postAcs(app, answer), 'auth.sso_state');
  });

  it('refuses an answer without a SAMLResponse, or with another RelayState', async (t) => {
    const { app } = await setup(t);
    assertRefused(await app.inject({ method: 'POST', url: '/auth/sso/univ/acs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'RelayState=x' }), 'auth.sso_token');
    const answer = await answerFor(app, 'marie');
    assertRefused(await postAcs(app, { ...answer, RelayState: 'not-the-one' }), 'auth.sso_state');
  });
});

describe('forged or altered SAML answers', () => {
  it('accepts a real answer re-signed with the IdP key (so the refusals below are about what they change)', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'leo');
    const user = await me(app, await postAcs(app, withXml(answer, resigned(xmlOf(answer), idp))));
    assert.equal(user.email, 'leo.martin@etu.univ.test');
  });

  it('refuses an assertion with its signature removed', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'leo');
    assertRefused(await postAcs(app, withXml(answer, unsigned(xmlOf(answer)))), 'auth.sso_token');
  });

  it('refuses a tampered attribute (student made staff) under the original signature', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'leo');
    const xml = xmlOf(answer);
    assert.match(xml, />student</);
    assertRefused(await postAcs(app, withXml(answer, xml.replace('>student<', '>staff<'))), 'auth.sso_token');
  });

  it('refuses an assertion signed by another key', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'marie');
    assertRefused(await postAcs(app, withXml(answer, resigned(xmlOf(answer), throwawayKey()))), 'auth.sso_token');
  });

  it('refuses signature wrapping: a forged assertion in place, the signed original tucked away', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'leo');
    const doc = new DOMParser().parseFromString(xmlOf(answer), 'text/xml');
    const response = doc.documentElement!;
    const original = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0]!;
    const evil = original.cloneNode(true) as Element;
    // The forged copy keeps the ID and the (now dangling) signature; the original goes into Extensions.
    for (const v of Array.from(evil.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AttributeValue'))) if (v.textContent === 'student') v.textContent = 'staff';
    const extensions = doc.createElementNS('urn:oasis:names:tc:SAML:2.0:protocol', 'samlp:Extensions');
    response.replaceChild(evil, original);
    extensions.appendChild(original);
    const issuer = response.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer')[0]!;
    response.insertBefore(extensions, issuer.nextSibling);
    for (const sig of Array.from(response.childNodes).filter((n) => (n as Element).localName === 'Signature')) response.removeChild(sig);
    const wrapped = new XMLSerializer().serializeToString(doc);
    assertRefused(await postAcs(app, withXml(answer, wrapped)), 'auth.sso_token');
  });

  it('refuses an assertion for another audience, even signed by the IdP', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'marie');
    const forged = resigned(xmlOf(answer), idp, (x) => x.replace(/<saml:Audience>[^<]*<\/saml:Audience>/, '<saml:Audience>https://other-sp.univ.test/shibboleth</saml:Audience>'));
    assert.match(forged, /other-sp/);
    assertRefused(await postAcs(app, withXml(answer, forged)), 'auth.sso_token');
  });

  it('refuses an expired assertion, even signed by the IdP', async (t) => {
    const { app } = await setup(t);
    const answer = await answerFor(app, 'marie');
    const past = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const forged = resigned(xmlOf(answer), idp, (x) => x.replace(/NotOnOrAfter="[^"]+"/g, `NotOnOrAfter="${past}"`));
    assert.match(forged, new RegExp(`NotOnOrAfter="${past}"`));
    assertRefused(await postAcs(app, withXml(answer, forged)), 'auth.sso_token');
  });

  it('refuses an answer addressed to another Destination or Recipient, even signed by the IdP', async (t) => {
    const { app } = await setup(t);
    let answer = await answerFor(app, 'marie');
    assertRefused(await postAcs(app, withXml(answer, resigned(xmlOf(answer), idp, (x) => x.replace(`Destination="${ACS}"`, 'Destination="https://evil.test/acs"')))), 'auth.sso_token');
    answer = await answerFor(app, 'marie');
    assertRefused(await postAcs(app, withXml(answer, resigned(xmlOf(answer), idp, (x) => x.replace(`Recipient="${ACS}"`, 'Recipient="https://evil.test/acs"')))), 'auth.sso_token');
  });

  it('keeps the CSRF check on the API while the ACS takes cross-site posts', async (t) => {
    const { app } = await setup(t);
    const api = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { origin: idp.baseUrl, 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(api.statusCode, 403);
    assert.equal(api.json().error.code, 'http.csrf');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config.ts';
import { isStaffByAttribute } from './profile.ts';
import { parseSsoSettings, RoleMapping } from './SsoSettings.ts';

const OIDC = { id: 'univ', label: 'Université (OIDC)', type: 'oidc', issuer: 'https://idp.univ.test', clientId: 'amphi', clientSecret: 's3cret' };

function problems(json: unknown): string[] {
  const r = parseSsoSettings(JSON.stringify(json));
  assert.equal(r.ok, false);
  return r.ok ? [] : r.problems;
}

describe('the SSO file', () => {
  it('accepts OIDC providers, with default scopes and role mapping', () => {
    const r = parseSsoSettings(JSON.stringify({ providers: [OIDC, { ...OIDC, id: 'other', label: 'Other' }] }));
    assert.ok(r.ok);
    const first = r.settings.providers[0]!;
    assert.deepEqual(first.type === 'oidc' && first.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(r.settings.roles, { attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] });
  });

  it('accepts SAML providers with exactly one metadata source and both or neither SP key files', () => {
    const SAML = { id: 'renater', label: 'RENATER', type: 'saml', idpMetadataUrl: 'https://idp.univ.test/metadata' };
    const r = parseSsoSettings(JSON.stringify({ providers: [SAML, { ...OIDC }] }));
    assert.ok(r.ok);
    assert.deepEqual(problems({ providers: [{ id: 'renater', label: 'RENATER', type: 'saml' }] }), ['providers.0.idpMetadataUrl: give exactly one of "idpMetadataUrl" and "idpMetadataFile"']);
    assert.deepEqual(problems({ providers: [{ ...SAML, spKeyFile: '/k.pem' }] }), ['providers.0.spKeyFile: give both "spKeyFile" and "spCertFile", or neither']);
    assert.match(problems({ providers: [{ ...SAML, attributes: { mail: 'x' } }] })[0]!, /providers\.0\.attributes/);
  });

  it('accepts CAS servers, trimming the trailing slash of the server URL', () => {
    const r = parseSsoSettings(JSON.stringify({ providers: [{ id: 'cas', label: 'CAS', type: 'cas', serverUrl: 'https://cas.univ.test/cas/' }] }));
    assert.ok(r.ok);
    assert.deepEqual(r.settings.providers[0], { id: 'cas', label: 'CAS', type: 'cas', serverUrl: 'https://cas.univ.test/cas', attributes: {} });
    assert.deepEqual(problems({ providers: [{ id: 'cas', label: 'CAS', type: 'cas' }] }), ['providers.0.serverUrl: Invalid input: expected string, received undefined']);
    assert.match(problems({ providers: [{ id: 'cas', label: 'CAS', type: 'cas', serverUrl: 'ftp://cas.univ.test' }] })[0]!, /providers\.0\.serverUrl: expected an http\(s\) address/);
    assert.match(problems({ providers: [{ id: 'cas', label: 'CAS', type: 'cas', serverUrl: 'https://cas.univ.test', attributes: { mail: 'x' } }] })[0]!, /providers\.0\.attributes/);
  });

  it('names each problem where it is', () => {
    assert.deepEqual(problems({ providers: [{ ...OIDC, issuer: 'ftp://x', scopes: ['profile'] }] }), ['providers.0.issuer: expected an http(s) address', 'providers.0.scopes: must include "openid"']);
    assert.match(problems({ providers: [OIDC, OIDC] })[0]!, /providers\.1\.id: "univ" is used twice/);
    assert.match(problems({ providers: [] })[0]!, /at least one provider/);
    assert.match(parseSsoSettings('{').ok ? '' : 'not valid JSON', /not valid JSON/);
  });

  it('is read at start from AMPHI_SSO_FILE, with a clear error on bad content', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-sso-conf-'));
    try {
      const file = path.join(dir, 'sso.json');
      fs.writeFileSync(file, JSON.stringify({ providers: [OIDC] }));
      assert.equal(loadConfig({ AMPHI_SSO_FILE: file }, dir).sso?.providers[0]?.id, 'univ');
      assert.equal(loadConfig({}, dir).sso, undefined);
      fs.writeFileSync(file, JSON.stringify({ providers: [{ ...OIDC, type: 'saml' }] }));
      assert.throws(() => loadConfig({ AMPHI_SSO_FILE: file }, dir), (err: unknown) => err instanceof ConfigError && /AMPHI_SSO_FILE .*providers\.0\.idpMetadataUrl: give exactly one/.test(err.message));
      assert.throws(() => loadConfig({ AMPHI_SSO_FILE: path.join(dir, 'missing.json') }, dir), /AMPHI_SSO_FILE: cannot read .*ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('role mapping', () => {
  const roles = RoleMapping.parse({});
  it('makes staff from a string or an array, scoped values included', () => {
    assert.equal(isStaffByAttribute({ eduPersonAffiliation: 'faculty' }, roles), true);
    assert.equal(isStaffByAttribute({ eduPersonAffiliation: ['member', 'staff@univ.fr'] }, roles), true);
    assert.equal(isStaffByAttribute({ eduPersonAffiliation: ['Employee'] }, roles), true);
  });
  it('leaves students, others and people without the attribute not staff', () => {
    assert.equal(isStaffByAttribute({ eduPersonAffiliation: ['student@univ.fr', 'member'] }, roles), false);
    assert.equal(isStaffByAttribute({}, roles), false);
    assert.equal(isStaffByAttribute({ eduPersonAffiliation: 42 }, roles), false);
  });
  it('reads the attribute the file names', () => {
    assert.equal(isStaffByAttribute({ affiliation: ['staff'] }, RoleMapping.parse({ attribute: 'affiliation' })), true);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../errors.ts';
import { CasClient, claimsFromCasAttributes } from './CasClient.ts';
import { parseServiceResponse } from './serviceResponse.ts';
import { UsedTickets } from './UsedTickets.ts';
import { MemoryOneTimeStore } from '../../../shared/MemoryOneTimeStore.ts';

const ROLES = { attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] };

const SUCCESS = `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>mcurie</cas:user>
    <cas:attributes>
      <cas:mail>marie.curie@univ.test</cas:mail>
      <cas:cn>M. Curie</cas:cn>
      <cas:displayName>Marie Curie</cas:displayName>
      <cas:eduPersonAffiliation>member</cas:eduPersonAffiliation>
      <cas:eduPersonAffiliation>staff</cas:eduPersonAffiliation>
      <cas:eduPersonPrincipalName>mcurie@univ.test</cas:eduPersonPrincipalName>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>`;

function unusable(xml: string): string {
  try {
    parseServiceResponse(xml);
  } catch (err) {
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'auth.sso_unavailable');
    return err.message;
  }
  assert.fail('expected the answer to be refused');
}

describe('parseServiceResponse', () => {
  it('reads the user and the attributes, multi-valued ones as lists', () => {
    const r = parseServiceResponse(SUCCESS);
    assert.ok(r.ok);
    assert.equal(r.user, 'mcurie');
    assert.deepEqual(r.attributes.eduPersonAffiliation, ['member', 'staff']);
    assert.deepEqual(r.attributes.mail, ['marie.curie@univ.test']);
    assert.deepEqual(r.attributes.eduPersonPrincipalName, ['mcurie@univ.test']);
  });

  it('reads a success without attributes', () => {
    const r = parseServiceResponse(`<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'><cas:authenticationSuccess><cas:user>x</cas:user></cas:authenticationSuccess></cas:serviceResponse>`);
    assert.deepEqual(r, { ok: true, user: 'x', attributes: {} });
  });

  it('reads an authenticationFailure with its code', () => {
    const r = parseServiceResponse(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
      <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure></cas:serviceResponse>`);
    assert.deepEqual(r, { ok: false, code: 'INVALID_TICKET', description: 'Ticket ST-1 not recognized' });
  });

  it('refuses what is not well-formed XML or not a CAS answer', () => {
    assert.match(unusable('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'), /well-formed|exactly one|cas:user/);
    assert.match(unusable('yes\nmcurie\n'), /not|serviceResponse/);
    assert.match(unusable('<html><body>CAS is down</body></html>'), /not a cas:serviceResponse/);
    // The right names in the wrong namespace are not CAS.
    assert.match(unusable('<cas:serviceResponse xmlns:cas="urn:other"><cas:authenticationSuccess><cas:user>x</cas:user></cas:authenticationSuccess></cas:serviceResponse>'), /not a cas:serviceResponse/);
    assert.match(unusable('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess></cas:authenticationSuccess></cas:serviceResponse>'), /no cas:user/);
    assert.match(unusable('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"/>'), /exactly one/);
  });

  it('refuses a document with a DOCTYPE or entities (XXE, entity expansion)', () => {
    const xxe = `<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>&xxe;</cas:user></cas:authenticationSuccess></cas:serviceResponse>`;
    assert.match(unusable(xxe), /DOCTYPE/);
    const bomb = `<!doctype r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"/>`;
    assert.match(unusable(bomb), /DOCTYPE/);
  });
});

describe('claimsFromCasAttributes', () => {
  const attrs = { mail: ['m@univ.test'], cn: ['M. C.'], displayName: ['Marie Curie'], eduPersonAffiliation: ['staff'], courriel: ['x@univ.test'], statut: ['faculty'] };

  it('takes mail, displayName before cn, and the role attribute', () => {
    assert.deepEqual(claimsFromCasAttributes(attrs, {}, ROLES), { email: 'm@univ.test', name: 'Marie Curie', eduPersonAffiliation: ['staff'] });
    assert.equal(claimsFromCasAttributes({ cn: ['M. C.'] }, {}, ROLES).name, 'M. C.');
  });

  it('follows the attribute overrides', () => {
    assert.deepEqual(claimsFromCasAttributes(attrs, { email: 'courriel', name: 'cn', affiliation: 'statut' }, ROLES), { email: 'x@univ.test', name: 'M. C.', eduPersonAffiliation: ['faculty'] });
  });
});

describe('CasClient', () => {
  const client = () => new CasClient({ id: 'cas', label: 'CAS', type: 'cas', serverUrl: 'http://127.0.0.1:9/cas', attributes: {} }, 'https://amphi.test/auth/sso/cas/callback');

  it('puts the attempt in the service URL, and the service URL in the login URL', () => {
    const c = client();
    const service = c.serviceUrl('the-state');
    assert.equal(service, 'https://amphi.test/auth/sso/cas/callback?state=the-state');
    assert.equal(c.loginUrl(service).toString(), `http://127.0.0.1:9/cas/login?service=${encodeURIComponent(service)}`);
  });

  it('remembers tickets: a second presentation is refused before the server is asked', async () => {
    const c = client();
    const ticket = 'ST-0123456789abcdef';
    const first = await c.validate(ticket, c.serviceUrl('s'), ROLES).catch((e: unknown) => e);
    assert.ok(first instanceof AppError);
    assert.equal(first.code, 'auth.sso_unavailable', 'the first try reaches for the (absent) server');
    const second = await c.validate(ticket, c.serviceUrl('s'), ROLES).catch((e: unknown) => e);
    assert.ok(second instanceof AppError);
    assert.equal(second.code, 'auth.sso_token');
    assert.match(second.message, /already used/);
  });
});

describe('UsedTickets', () => {
  it('claims a ticket once, and forgets it after its time', async () => {
    let now = 0;
    const used = new UsedTickets(new MemoryOneTimeStore(() => now));
    assert.equal(await used.claim('ST-1'), true);
    assert.equal(await used.claim('ST-1'), false);
    assert.equal(await used.claim('ST-2'), true);
    now += 16 * 60_000;
    assert.equal(await used.claim('ST-1'), true);
  });
});

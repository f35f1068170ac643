import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { BROWSER_COOKIE, BrowserCredentials } from './BrowserCredentials.ts';

test('a credential Amphi issued verifies to its browser id; an altered, foreign or made-up one does not', () => {
  const credentials = new BrowserCredentials(crypto.randomBytes(32));
  const value = credentials.issue();
  const id = credentials.verify(value);
  assert.ok(id && value.startsWith(`${id}.`));
  assert.notEqual(credentials.verify(credentials.issue()), id, 'each browser its own');
  const [head, signature] = value.split('.') as [string, string];
  assert.equal(credentials.verify(`${head}x.${signature}`), undefined, 'another id under the same signature');
  assert.equal(credentials.verify(`${head}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`), undefined);
  assert.equal(credentials.verify(head), undefined);
  assert.equal(credentials.verify(''), undefined);
  assert.equal(credentials.verify(`${'a'.repeat(200)}.${signature}`), undefined);
  assert.equal(new BrowserCredentials(crypto.randomBytes(32)).verify(value), undefined, 'signed by another deployment');
});

test('the cookie is HttpOnly and SameSite=Lax, Secure over HTTPS, and read back from a Cookie header', () => {
  const credentials = new BrowserCredentials(crypto.randomBytes(32));
  const value = credentials.issue();
  const cookie = credentials.cookie(value, true, Date.UTC(2026, 0, 1));
  assert.match(cookie, new RegExp(`^${BROWSER_COOKIE}=`));
  assert.match(cookie, /; HttpOnly; SameSite=Lax; Secure; Expires=Fri, 05 Feb 2027/);
  assert.doesNotMatch(credentials.cookie(value, false), /Secure/);
  assert.equal(credentials.fromCookies(`amphi_session=x; ${BROWSER_COOKIE}=${encodeURIComponent(value)}`), credentials.verify(value));
  assert.equal(credentials.fromCookies('amphi_session=x'), undefined);
});

import crypto from 'node:crypto';
import type { SettingsRepository } from '../storage/SettingsRepository.ts';
import { readCookie, sessionCookie } from '../http/cookies.ts';

/** The cookie that holds a browser's credential (HttpOnly: the page's scripts never see it). */
export const BROWSER_COOKIE = 'amphi_browser';
/** Where the signing secret is kept: in the database, so that every Amphi node and a restore from backup share it. */
const SECRET_SETTING = 'secret.browser_credentials';
/** Browsers keep a cookie at most 400 days; it is given again on every page load. */
const COOKIE_LIFETIME_MS = 400 * 24 * 3600_000;

/**
 * A credential Amphi gives each browser on its first page (`<id>.<signature>`, signed with a
 * secret made at the first start), read again by the signaling WebSocket. Unlike the `clientId` a
 * page chooses for itself, a client cannot make one up: what a host's removal and a poll's
 * "one vote each" are bound to, besides the account. Clearing the browser's cookies gives it a
 * new one, as it would sign it out; the README says so.
 */
export class BrowserCredentials {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** The deployment's secret, made and stored at the first start (two nodes starting at once agree on the first written). */
  static async load(settings: SettingsRepository): Promise<BrowserCredentials> {
    const stored = await settings.get(SECRET_SETTING);
    if (typeof stored === 'string' && stored.length >= 43) return new BrowserCredentials(Buffer.from(stored, 'base64url'));
    await settings.set(SECRET_SETTING, crypto.randomBytes(32).toString('base64url'), null);
    const written = await settings.get(SECRET_SETTING);
    return new BrowserCredentials(Buffer.from(String(written), 'base64url'));
  }

  /** A new credential. */
  issue(): string {
    const id = crypto.randomBytes(18).toString('base64url');
    return `${id}.${this.#sign(id)}`;
  }

  /** The browser's id when `value` is a credential Amphi signed, else undefined. */
  verify(value: string | undefined): string | undefined {
    if (!value || value.length > 100) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const id = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#sign(id), 'base64url');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? id : undefined;
  }

  /** The browser's id from a request's Cookie header. */
  fromCookies(header: string | undefined): string | undefined {
    return this.verify(readCookie(header, BROWSER_COOKIE));
  }

  /** The Set-Cookie value that gives (or renews) a browser its credential. */
  cookie(value: string, secure: boolean, now = Date.now()): string {
    return sessionCookie(BROWSER_COOKIE, value, { secure, expires: new Date(now + COOKIE_LIFETIME_MS) });
  }

  #sign(id: string): string {
    return crypto.createHmac('sha256', this.#secret).update(`browser:${id}`).digest().subarray(0, 18).toString('base64url');
  }
}

import crypto from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { LtiRepository } from '../../storage/LtiRepository.ts';

/** A public key as /lti/jwks publishes it. */
export interface PublicJwk {
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  kid: string;
  n: string;
  e: string;
}

/**
 * Amphi's own RSA key pair as an LTI tool: it signs deep-linking responses and the client
 * assertions of the LTI Advantage services. Made at first need and kept in the database (every
 * node signs with the same key); the private key never leaves the server.
 *
 * Moodle parses the tool's keyset with php-jwt without a default algorithm: a key without
 * `alg` makes the whole set fail, so each key carries `alg: RS256`, and each JWT a `kid`.
 */
export class ToolKeys {
  #current: Promise<{ kid: string; key: crypto.KeyObject }> | undefined;

  constructor(private readonly repo: LtiRepository) {}

  /** The keyset: every key Amphi may have signed with (the newest first). */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    await this.#signing();
    const keys = await this.repo.keys();
    return { keys: keys.map((k) => k.publicJwk).filter(isPublicJwk) };
  }

  /** Signs a JWT with the current key (RS256, header kid and typ). */
  async sign(payload: JWTPayload): Promise<string> {
    const { kid, key } = await this.#signing();
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
  }

  #signing(): Promise<{ kid: string; key: crypto.KeyObject }> {
    // One in-flight lookup: two first requests at once must not make two keys.
    this.#current ??= this.#loadOrCreate().catch((err: unknown) => {
      this.#current = undefined;
      throw err;
    });
    return this.#current;
  }

  async #loadOrCreate(): Promise<{ kid: string; key: crypto.KeyObject }> {
    const existing = (await this.repo.keys())[0];
    if (existing) return { kid: existing.kid, key: crypto.createPrivateKey(existing.privatePem) };
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const kid = crypto.createHash('sha256').update(`${jwk.n}.${jwk.e}`).digest('base64url').slice(0, 16);
    const publicJwk: PublicJwk = { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: String(jwk.n), e: String(jwk.e) };
    const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      await this.repo.addKey({ kid, privatePem, publicJwk: { ...publicJwk }, createdAt: new Date().toISOString() });
    } catch {
      // Another node made one at the same moment: use the stored one.
      const stored = (await this.repo.keys())[0];
      if (stored) return { kid: stored.kid, key: crypto.createPrivateKey(stored.privatePem) };
      throw new Error('could not store the LTI tool key');
    }
    return { kid, key: privateKey };
  }
}

function isPublicJwk(value: Record<string, unknown>): value is Record<string, unknown> & PublicJwk {
  return value.kty === 'RSA' && value.alg === 'RS256' && typeof value.kid === 'string' && typeof value.n === 'string' && typeof value.e === 'string';
}

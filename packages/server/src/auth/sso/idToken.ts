import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError } from '../../errors.ts';

/**
 * What Amphi reads from an ID token once its signature and registered claims are checked.
 * Other claims stay in `claims` for the attribute mapping (affiliation, name parts).
 */
export interface IdTokenIdentity {
  subject: string;
  claims: Record<string, unknown>;
}

const IdTokenClaims = z.object({
  iss: z.string(),
  sub: z.string().min(1).max(255),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  iat: z.number(),
  nonce: z.string().optional(),
  azp: z.string().optional(),
}).passthrough();

/** Clock skew tolerated between Amphi and the identity provider. */
const CLOCK_TOLERANCE_S = 60;

/**
 * Validates an ID token (OpenID Connect Core §3.1.3.7): signature by one of the provider's keys
 * (asymmetric algorithms only: "none" and HMAC are refused), issuer, audience (and `azp` when
 * there are several audiences), expiry, and the nonce this browser's sign-in attempt sent.
 * Anything wrong is `auth.sso_token`.
 */
export async function verifyIdToken(
  token: string,
  expected: { keys: JWTVerifyGetKey; issuer: string; clientId: string; nonce: string; now?: Date },
): Promise<IdTokenIdentity> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, expected.keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_S,
      ...(expected.now ? { currentDate: expected.now } : {}),
    }));
  } catch (err) {
    throw new AppError('auth.sso_token', `the ID token was refused: ${describeJoseError(err)}`, { cause: err });
  }
  const claims = IdTokenClaims.safeParse(payload);
  if (!claims.success) throw new AppError('auth.sso_token', 'the ID token lacks required claims');
  const { aud, azp, nonce } = claims.data;
  if (Array.isArray(aud) && aud.length > 1 && azp !== expected.clientId) {
    throw new AppError('auth.sso_token', 'the ID token was issued for another client (azp)');
  }
  // The nonce binds the token to the attempt this browser started: a token lifted from
  // another sign-in (or replayed) carries another nonce.
  if (nonce !== expected.nonce) throw new AppError('auth.sso_token', 'the ID token was refused: nonce does not match this sign-in');
  return { subject: claims.data.sub, claims: claims.data };
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" is wrong`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'signed with a key the provider does not publish';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'signature algorithm not allowed';
  if (err instanceof joseErrors.JOSEError) return err.code;
  return 'unreadable';
}

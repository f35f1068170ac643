import crypto from 'node:crypto';

/*
 * A self-signed X.509 certificate for Amphi's SAML signing key. SAML metadata carries keys as
 * certificates, but Node can make keys, not certificates; rather than shell out to openssl at
 * run time or add a PKI library for one structure, this writes the few DER fields a self-signed
 * certificate needs (RFC 5280 §4.1). Federations only read the public key from it.
 */

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  return der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** GeneralizedTime is allowed for every date; RFC 5280 wants UTCTime before 2050. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii')) : der(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), der(0x05, Buffer.alloc(0)));

/** A PEM certificate for `key`'s public half, named CN=`commonName`, valid for `years`. */
export function selfSignedCertificate(key: crypto.KeyObject, commonName: string, years = 10, now = new Date()): string {
  const name = seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from(commonName.slice(0, 64), 'utf8')))));
  const until = new Date(now);
  until.setUTCFullYear(until.getUTCFullYear() + years);
  const serial = crypto.randomBytes(16);
  serial[0]! &= 0x7f;
  const tbs = seq(
    der(0xa0, positiveInteger(Buffer.from([2]))), // v3
    positiveInteger(serial),
    SHA256_WITH_RSA,
    name,
    seq(time(new Date(now.getTime() - 60_000)), time(until)),
    name,
    crypto.createPublicKey(key).export({ type: 'spki', format: 'der' }),
  );
  const signature = crypto.sign('sha256', tbs, key);
  const cert = seq(tbs, SHA256_WITH_RSA, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

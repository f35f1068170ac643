import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { selfSignedCertificate } from './selfSignedCertificate.ts';

/** Amphi's own SAML key pair and certificate, PEM. */
export interface SpCredentials {
  keyPem: string;
  certPem: string;
}

/**
 * The SP's signing credentials: the files the SSO entry names, or else a pair made at first start
 * in `<data>/saml/<provider>/` and kept there (the IdP or federation registered this certificate,
 * so it must survive restarts; it is never part of the source tree).
 */
export function loadSpCredentials(opts: { providerId: string; dataDir: string; keyFile?: string | undefined; certFile?: string | undefined }): SpCredentials {
  if (opts.keyFile && opts.certFile) return checked(fs.readFileSync(opts.keyFile, 'utf8'), fs.readFileSync(opts.certFile, 'utf8'), opts.keyFile);
  const dir = path.join(opts.dataDir, 'saml', opts.providerId);
  const keyFile = path.join(dir, 'sp-key.pem');
  const certFile = path.join(dir, 'sp-cert.pem');
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) return checked(fs.readFileSync(keyFile, 'utf8'), fs.readFileSync(certFile, 'utf8'), keyFile);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 3072 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certPem = selfSignedCertificate(privateKey, `Amphi SAML SP (${opts.providerId})`);
  fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
  fs.writeFileSync(certFile, certPem, { mode: 0o644 });
  return { keyPem, certPem };
}

/** Refuses a key and certificate that do not belong together (a classic copy-paste mistake). */
function checked(keyPem: string, certPem: string, where: string): SpCredentials {
  const cert = new crypto.X509Certificate(certPem);
  if (!cert.checkPrivateKey(crypto.createPrivateKey(keyPem))) throw new Error(`${where}: the SAML key does not match its certificate`);
  return { keyPem, certPem };
}

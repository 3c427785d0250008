/**
 * The certificate behind SIP over TLS, WSS and HTTPS: the one the administrator names, or one
 * this PBX signs for itself at its first start and keeps in the data directory. A self-signed
 * certificate is only as good as its fingerprint: the start banner prints it, for a phone or a
 * browser to be told which certificate to trust.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { PRIVATE_FILE_MODE } from './data-directory.js';

export const CERTIFICATE_FILE = 'tls-certificate.pem';
export const KEY_FILE = 'tls-key.pem';

/** Ten years: nobody renews a self-signed certificate, and phones that pinned it keep working. */
const SELF_SIGNED_DAYS = 3650;

export interface Certificate {
  /** PEM: the certificate (then its chain, if the file had one) and the private key. */
  cert: string;
  key: string;
  /** SHA-256 of the leaf certificate, colon-separated hex (what browsers and openssl print). */
  fingerprint: string;
  certFile: string;
  keyFile: string;
  /** Made by this PBX (now or at an earlier start) rather than given. */
  selfSigned: boolean;
  /** Made at this start. */
  created: boolean;
}

/**
 * The given certificate and key, checked (readable PEM, the key belongs to the certificate);
 * without files, the data directory's own, made at the first start. Errors name the file.
 */
export async function loadOrCreateCertificate(
  dataDir: string,
  given?: { certFile: string; keyFile: string },
): Promise<Certificate> {
  if (given !== undefined) return { ...readPair(given.certFile, given.keyFile), selfSigned: false };
  const certFile = join(dataDir, CERTIFICATE_FILE);
  const keyFile = join(dataDir, KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { ...readPair(certFile, keyFile), selfSigned: true };
  }
  const made = await generate([{ name: 'commonName', value: hostname() }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + SELF_SIGNED_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: subjectAltNames() },
    ],
  });
  // The key first: a certificate file is never there without its key.
  writePrivate(keyFile, made.private);
  writePrivate(certFile, made.cert);
  return { ...readPair(certFile, keyFile), selfSigned: true, created: true };
}

/** Names a phone or a browser may reach this machine by: its name and its addresses. */
function subjectAltNames(): { type: 2 | 7; value?: string; ip?: string }[] {
  const names: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: hostname() },
    { type: 2, value: 'localhost' },
  ];
  const addresses = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    // A link-local IPv6 address carries a zone, which no certificate can name.
    for (const ni of list ?? []) if (!ni.address.startsWith('fe80')) addresses.add(ni.address);
  }
  for (const ip of addresses) names.push({ type: 7, ip });
  return names;
}

/** Written whole under another name, then renamed: a crash never leaves half a key. */
function writePrivate(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: PRIVATE_FILE_MODE });
  renameSync(temporary, file);
}

function readPair(
  certFile: string,
  keyFile: string,
): Omit<Certificate, 'selfSigned'> & { created: false } {
  const cert = readText(certFile, 'certificate');
  const key = readText(keyFile, 'private key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`${certFile}: not a PEM certificate (${(error as Error).message})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`${keyFile}: not a PEM private key (${(error as Error).message})`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`${keyFile} is not the private key of the certificate in ${certFile}`);
  }
  return { cert, key, fingerprint: x509.fingerprint256, certFile, keyFile, created: false };
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
  }
}

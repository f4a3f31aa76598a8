import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { EnvelopeSigningKey } from '@glovebox/protocol';
import type { SharedSecrets } from './shared-secrets.js';

/** The gateway's Ed25519 key that signs every action envelope. */
export interface GatewaySigningKey extends EnvelopeSigningKey {
  publicKey: KeyObject;
  publicKeyPem: string;
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** The signing key from its PKCS#8 PEM; refuses anything but Ed25519. */
export function signingKeyFromPem(pem: string): GatewaySigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('the envelope key is not Ed25519');
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * The key every replica signs envelopes with, shared through the store (sealed). On first start
 * a key file an earlier single gateway created is adopted, so agents that pinned it keep working.
 */
export async function loadSharedSigningKey(
  secrets: SharedSecrets,
  legacyPath: string,
): Promise<GatewaySigningKey> {
  const pem = await secrets.getOrCreate('envelope-signing-key', () =>
    existsSync(legacyPath)
      ? readFileSync(legacyPath, 'utf8')
      : generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  return signingKeyFromPem(pem);
}

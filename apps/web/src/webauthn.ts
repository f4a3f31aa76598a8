import { api } from './api.js';

type Json = Record<string, unknown>;

function fromB64url(value: string): ArrayBuffer {
  const b64 = value.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((value.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function toB64url(buffer: ArrayBuffer | null): string | undefined {
  if (!buffer) return undefined;
  let bin = '';
  for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const withIds = (list: unknown) =>
  Array.isArray(list) ? (list as Json[]).map((c) => ({ ...c, id: fromB64url(String(c.id)) })) : undefined;

/**
 * Registers a new security key or platform authenticator for this user. The first factor needs the
 * enrollment ticket an admin issued (`glovebox users add`, `users reset-mfa`); another one needs a
 * fresh check of an existing factor instead.
 */
export async function registerKey(ticket?: string): Promise<void> {
  const { options, challengeToken } = await api<{ options: Json; challengeToken: string }>(
    'POST',
    '/mfa/webauthn/register/options',
    ticket ? { ticket } : {},
  );
  const user = options.user as Json;
  const publicKey = {
    ...options,
    challenge: fromB64url(String(options.challenge)),
    user: { ...user, id: fromB64url(String(user.id)) },
    excludeCredentials: withIds(options.excludeCredentials) ?? [],
  } as unknown as PublicKeyCredentialCreationOptions;
  const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
  if (!credential) throw new Error('no credential was created');
  const response = credential.response as AuthenticatorAttestationResponse;
  await api('POST', '/mfa/webauthn/register/verify', {
    challengeToken,
    response: {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        attestationObject: toB64url(response.attestationObject),
        transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
      },
    },
  });
}

/** Proves possession of a registered key: refreshes this login's MFA time for step-up. */
export async function verifyKey(): Promise<void> {
  const { options, challengeToken } = await api<{ options: Json; challengeToken: string }>(
    'POST',
    '/mfa/webauthn/assert/options',
    {},
  );
  const publicKey = {
    ...options,
    challenge: fromB64url(String(options.challenge)),
    allowCredentials: withIds(options.allowCredentials) ?? [],
  } as unknown as PublicKeyCredentialRequestOptions;
  const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
  if (!credential) throw new Error('no credential was returned');
  const response = credential.response as AuthenticatorAssertionResponse;
  await api('POST', '/mfa/webauthn/assert/verify', {
    challengeToken,
    response: {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        authenticatorData: toB64url(response.authenticatorData),
        signature: toB64url(response.signature),
        userHandle: toB64url(response.userHandle),
      },
    },
  });
}

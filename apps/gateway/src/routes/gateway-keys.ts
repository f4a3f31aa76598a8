import { gatewayKeysSchema } from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import { previousFingerprints, type GatewaySigningKey } from '../services/signing-keys.js';
import { authzOf } from './authorize.js';

function keysView(key: GatewaySigningKey) {
  return { current: key.fingerprint, previous: previousFingerprints(key) };
}

/** The gateway key agents pin, and its rotation (announced by the old key, followed by every replica). */
export function registerGatewayKeyRoutes(api: GatewayApp, s: GatewayServices): void {
  api.get('/gateway/keys', { schema: { response: { 200: gatewayKeysSchema } } }, () =>
    keysView(s.signingKey.current()),
  );

  api.post('/gateway/keys/rotate', { schema: { response: { 200: gatewayKeysSchema } } }, async (request) => {
    const { actor, decision } = authzOf(request);
    const previous = s.signingKey.current().fingerprint;
    const key = await s.signingKey.rotate();
    await s.audit.record({
      type: 'gateway.key_rotated',
      actor: { kind: 'user', id: actor.name },
      decision,
      outcome: 'success',
      details: { previous, current: key.fingerprint },
    });
    return keysView(key);
  });
}

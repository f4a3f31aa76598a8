import { gatewayToAgentSchema, type GatewayToAgent, type SignedEnvelope } from '@glovebox/protocol';

/**
 * Reads one frame from the gateway end: the message, or what it claimed to be (its `type`, when it
 * has a plain one) so a refusal can say which message was malformed or unsigned.
 */
export function readGatewayMessage(
  text: string,
): { ok: true; message: GatewayToAgent } | { ok: false; claimed: string | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, claimed: undefined };
  }
  const parsed = gatewayToAgentSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const type = (json as { type?: unknown } | null)?.type;
  return { ok: false, claimed: typeof type === 'string' && /^[a-z_-]{1,32}$/.test(type) ? type : undefined };
}

/** The call id of an envelope, read without trusting it, only to correlate a refusal. */
export function callIdOf(envelope: SignedEnvelope): string {
  try {
    const payload = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8')) as {
      callId?: unknown;
    };
    return typeof payload.callId === 'string' ? payload.callId.slice(0, 64) : 'unknown';
  } catch {
    return 'unknown';
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header of every outbound Glovebox webhook (audit sinks and access notices alike). */
export const WEBHOOK_SIGNATURE_HEADER = 'x-glovebox-signature';

/**
 * The signature header value for `body` sent at `timestampSeconds`:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 *
 * @example
 * headers[WEBHOOK_SIGNATURE_HEADER] = signWebhookBody(secret, Math.floor(Date.now() / 1000), body);
 */
export function signWebhookBody(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * For receivers: checks a signature header against the raw body, refusing timestamps more than
 * `toleranceSeconds` (default 300) away, so a captured delivery cannot be replayed much later.
 *
 * @example
 * if (!verifyWebhookSignature(secret, req.headers['x-glovebox-signature'], rawBody, Date.now())) reject();
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  if (typeof header !== 'string' || header.length > 512) return false;
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body).slice(-64), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

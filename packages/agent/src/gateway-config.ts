import { GloveboxError } from '@glovebox/core';
import { acceptableGatewayUrl, parseKeyPins } from '@glovebox/protocol/constants';

/**
 * The gateway URLs an agent may connect to (comma-separated replicas): `https://` (or `wss://`),
 * plain `http://` only to this machine, never with credentials in the URL.
 *
 * @example
 * gatewayUrls('https://gw-a.example,https://gw-b.example'); // two URLs
 * @throws GloveboxError GBX_CONFIG_INVALID for any other URL.
 */
export function gatewayUrls(text: string): string[] {
  const urls = text
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) throw new GloveboxError('GBX_CONFIG_INVALID', 'no gateway URL given');
  for (const text of urls) {
    if (acceptableGatewayUrl(text)) continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new GloveboxError('GBX_CONFIG_INVALID', 'a gateway URL is not a URL');
    }
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `gateway URL ${url.protocol}//${url.host} refused: https:// (or wss://) required, plain http:// only to localhost, no credentials in the URL`,
    );
  }
  return urls;
}

/**
 * The gateway key fingerprints the agent pins, from `GLOVEBOX_GATEWAY_KEYS` or configuration.
 *
 * @throws GloveboxError GBX_CONFIG_INVALID when none is given or one is not `sha256:<64 hex>`.
 */
export function gatewayKeyPins(text: string | undefined): string[] {
  try {
    return parseKeyPins(text ?? '');
  } catch (error) {
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `${(error as Error).message}: set GLOVEBOX_GATEWAY_KEYS (or gateway.keys) to what \`glovebox agents register\` printed`,
    );
  }
}

import type { ServerResponse } from 'node:http';
import { decodeJwt, SignJWT } from 'jose';

export type Tamper = 'none' | 'bad-signature' | 'wrong-issuer' | 'expired' | 'foreign-key';

type SigningKey = Parameters<SignJWT['sign']>[0];

/** The provider's own key and one the gateway has never seen. */
export interface TamperKeys {
  own: SigningKey;
  foreign: SigningKey;
}

function sign(claims: Record<string, unknown>, key: SigningKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(key);
}

async function tamperIdToken(tamper: Tamper, token: string, keys: TamperKeys): Promise<string> {
  const claims = decodeJwt(token);
  const now = Math.floor(Date.now() / 1000);
  switch (tamper) {
    case 'bad-signature': {
      const [h, p, s] = token.split('.');
      const flipped = (s![0] === 'A' ? 'B' : 'A') + s!.slice(1);
      return `${h}.${p}.${flipped}`;
    }
    case 'wrong-issuer':
      return sign({ ...claims, iss: 'https://evil.example' }, keys.own);
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 }, keys.own);
    case 'foreign-key':
      return sign(claims, keys.foreign);
    case 'none':
      return token;
  }
}

/** Rewrites the ID token in the token endpoint's answer written to `res` as `tamper` says. */
export function tamperTokenResponse(res: ServerResponse, tamper: Tamper, keys: TamperKeys): void {
  const end = res.end.bind(res);
  (res as { end: (chunk?: unknown) => ServerResponse }).end = (chunk?: unknown) => {
    void (async () => {
      let body = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : '';
      try {
        const json = JSON.parse(body) as { id_token?: string };
        if (json.id_token) json.id_token = await tamperIdToken(tamper, json.id_token, keys);
        body = JSON.stringify(json);
      } catch {
        // not JSON: pass through
      }
      res.setHeader('content-length', Buffer.byteLength(body));
      end(body);
    })();
    return res;
  };
}

// A CI provider's OIDC token issuer for tests: panva's oidc-provider issuing signed JWTs (client
// credentials, a resource indicator as the audience) with the claims GitHub Actions puts in its
// tokens (repository, ref, sha, run_id…). Test-only: not exported from the package entry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface TestCiProvider {
  issuer: string;
  /** Claims the next tokens carry, like a CI run's. */
  claims: Record<string, string>;
  /** A token for `audience`, as a pipeline would request it. */
  mint(audience: string): Promise<string>;
  close(): Promise<void>;
}

const CLIENT = { id: 'ci-runner', secret: 'ci-runner-secret-that-is-long-enough-0123456789' };

/** Starts the provider on a free loopback port. */
export async function startTestCiProvider(claims: Record<string, string>): Promise<TestCiProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'ci-key', alg: 'RS256', use: 'sig' } as JWK;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = { claims: { ...claims } };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-ci-provider-cookie-key-0123456789'] },
    ttl: { ClientCredentials: 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'https://glovebox.test',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'deploy',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: () => ({ ...state.claims }),
  });
  provider.proxy = false;
  const callback = provider.callback();
  server.on('request', (req, res) => void callback(req, res));
  return {
    issuer,
    get claims() {
      return state.claims;
    },
    set claims(value) {
      state.claims = value;
    },
    async mint(audience) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience, scope: 'deploy' }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (!body.access_token) throw new Error(`the CI provider refused: ${body.error ?? response.status}`);
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

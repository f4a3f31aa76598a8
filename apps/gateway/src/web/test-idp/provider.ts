import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { serveLoginForm, type TestAccounts } from './login-form.js';
import { tamperTokenResponse, type Tamper, type TamperKeys } from './tamper.js';

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Groups and second factor per account; any other login name is refused. */
  accounts: TestAccounts;
  tamper: Tamper;
  close(): Promise<void>;
}

function configuration(idp: TestIdp, redirectUris: string[], jwk: JWK): Configuration {
  return {
    clients: [
      {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub', 'auth_time', 'amr', 'acr'],
      profile: ['preferred_username', 'name'],
      email: ['email'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, deviceFlow: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const account = idp.accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          preferred_username: id,
          email: `${id}@example.test`,
          groups: account.groups,
        }),
      };
    },
    ttl: { IdToken: 3600, AccessToken: 3600, DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  };
}

/** Starts the provider on a free loopback port; `redirectUris` are the client's allowed callbacks. */
export async function startTestIdp(redirectUris: string[]): Promise<TestIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' } as JWK;
  const keys: TamperKeys = {
    own: privateKey,
    foreign: (await generateKeyPair('RS256', { extractable: true })).privateKey,
  };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    clientId: 'glovebox-test',
    clientSecret: 'test-client-secret-that-is-long-enough-0123456789',
    accounts: new Map(),
    tamper: 'none',
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const provider = new Provider(issuer, configuration(idp, redirectUris, jwk));
  provider.on('server_error', () => undefined);
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      if (await serveLoginForm(provider, idp.accounts, req, res, url.pathname)) return;
      if (url.pathname === '/token' && idp.tamper !== 'none') tamperTokenResponse(res, idp.tamper, keys);
      void callback(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return idp;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

/** Groups and second factor per account; any other login name is refused. */
export type TestAccounts = Map<string, { groups: string[]; mfa?: boolean }>;

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Serves the provider's interaction pages: a plain login form, and its submission, which logs in
 * any known account (with `amr` mfa when it has a second factor) and grants the requested scopes.
 * Returns false for any other request.
 */
export async function serveLoginForm(
  provider: Provider,
  accounts: TestAccounts,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<boolean> {
  const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(pathname);
  if (interaction && req.method === 'GET' && !interaction[2]) {
    await provider.interactionDetails(req, res);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Test IdP login</title><form method="post" action="/interaction/${escape(interaction[1]!)}/login">` +
        `<label>Login <input name="login" id="idp-login" autofocus></label><button id="idp-submit">Sign in</button></form>`,
    );
    return true;
  }
  if (!interaction || req.method !== 'POST' || !interaction[2]) return false;
  const details = await provider.interactionDetails(req, res);
  const login = (await readBody(req)).get('login') ?? '';
  const account = accounts.get(login);
  if (!account) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied' },
      { mergeWithLastSubmission: false },
    );
    return true;
  }
  const grant = new provider.Grant({ accountId: login, clientId: String(details.params.client_id) });
  grant.addOIDCScope(typeof details.params.scope === 'string' ? details.params.scope : 'openid');
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    {
      login: { accountId: login, ...(account.mfa ? { amr: ['pwd', 'mfa'] } : {}) },
      consent: { grantId },
    },
    { mergeWithLastSubmission: false },
  );
  return true;
}

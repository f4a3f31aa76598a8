import { GloveboxError } from '@glovebox/core';

/**
 * The CI provider's OIDC token a pipeline proves itself with, for `glovebox login --ci`:
 * `GLOVEBOX_CI_TOKEN` when the pipeline put one there (GitLab CI `id_tokens:`, any provider), else
 * GitHub Actions' own token service (a job with `permissions: id-token: write`), asked for
 * `audience`. The token is never printed; it is exchanged once for a short-lived Glovebox token.
 */
export async function ciProviderToken(
  audience: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string> {
  const given = env.GLOVEBOX_CI_TOKEN?.trim();
  if (given) return given;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer) {
    const request = new URL(url);
    request.searchParams.set('audience', audience);
    const response = await fetch(request, {
      headers: { authorization: `bearer ${bearer}`, accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    }).catch(() => null);
    const body = response?.ok
      ? ((await response.json().catch(() => null)) as { value?: unknown } | null)
      : null;
    if (typeof body?.value !== 'string' || body.value === '')
      throw new GloveboxError(
        'GBX_AUTH_FAILED',
        `GitHub Actions gave no OIDC token${response ? ` (HTTP ${response.status})` : ''}: does the job have "permissions: id-token: write"?`,
      );
    return body.value;
  }
  throw new GloveboxError(
    'GBX_USAGE',
    'no CI token: set GLOVEBOX_CI_TOKEN to the provider\'s OIDC token (GitLab CI: id_tokens), or run in GitHub Actions with "permissions: id-token: write"',
  );
}

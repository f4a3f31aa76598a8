import type { IncomingMessage } from 'node:http';

/**
 * The one form of a request target the router sees, so that every spelling of a route reaches
 * that route, with its declaration and its checks:
 * - absolute form (`GET http://host/api/v1/users HTTP/1.1`) loses its scheme and authority;
 * - encoded slashes and backslashes (`%2F`, `%5C`, `\`) are slashes;
 * - empty segments (`//api/v1`) are dropped, dot segments (`/api/v1/../v1`) resolved;
 * - trailing dots of a segment (`users.`) are dropped.
 * The query string is kept as it came. A target that is not a path (`*`, an authority) becomes `/`.
 */
export function canonicalRequestTarget(raw: string): string {
  let target = raw;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute) target = target.slice(absolute[0].length);
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  const segments: string[] = [];
  for (const piece of path.replace(/%2f|%5c|\\/gi, '/').split('/')) {
    const dots = piece.replace(/%2e/gi, '.');
    if (dots === '..') {
      segments.pop();
      continue;
    }
    const segment = piece.replace(/(?:\.|%2e)+$/i, '');
    if (segment !== '') segments.push(segment);
  }
  const trailing = path.endsWith('/') && segments.length > 0 ? '/' : '';
  return `/${segments.join('/')}${trailing}${query}`;
}

/** Fastify's `rewriteUrl`: routes every request on its canonical target. */
export function rewriteToCanonical(request: IncomingMessage): string {
  return canonicalRequestTarget(request.url ?? '/');
}

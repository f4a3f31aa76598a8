// Code probed by the debugger benchmarks. Keep the PROBE marker on the captured line.

/** A request-like object of about 20 fields (about 2 KB of JSON), as in the research's capture. */
export function makeRequest(i: number): Record<string, unknown> {
  return {
    method: 'POST',
    url: `/api/v1/orders/${i}?expand=items&currency=EUR`,
    httpVersion: '1.1',
    headers: {
      host: 'shop.example.com',
      'user-agent':
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36',
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'en-GB,en;q=0.9',
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
      'content-type': 'application/json',
      'content-length': '512',
      'x-request-id': `req-${i}`,
      'x-forwarded-for': '10.0.0.7',
      cookie: 'sid=abc123; theme=dark',
    },
    query: { expand: 'items', currency: 'EUR' },
    params: { orderId: String(i) },
    body: {
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
      coupon: null,
      note: 'leave at the door',
    },
    remoteAddress: '10.0.0.7',
    remotePort: 51234,
    secure: true,
    startedAt: 1_700_000_000_000 + i,
    route: '/api/v1/orders/:orderId',
    user: { id: 42, email: 'ada@example.com', roles: ['customer'] },
    locale: 'en-GB',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    retries: 0,
  };
}

export function handler(i: number, req: Record<string, unknown>): number {
  const marker = i;
  const items = (req['body'] as { items: unknown[] }).items;
  const total = items.length * 2; // PROBE: capture
  return total + marker * 0;
}

/** Calls `leaf` below `depth` frames of recursion. */
export function atDepth(depth: number, leaf: () => number): number {
  if (depth <= 0) return leaf();
  return atDepth(depth - 1, leaf) + 0;
}

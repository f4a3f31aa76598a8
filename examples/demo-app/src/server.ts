/**
 * Glovebox demo service: a small shop API on node:http. It imports nothing from Glovebox — attach the
 * agent without changing code: `node --import @glovebox/agent/register --enable-source-maps dist/server.js`.
 *
 * The data below is fake, but shaped like what a real checkout handles (a password, a card number, an
 * e-mail address), so the redaction of captured values can be seen.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';

interface Customer {
  id: number;
  name: string;
  email: string;
  passwordHash: Buffer;
  cardNumber: string;
}

interface LineItem {
  sku: string;
  quantity: number;
  unitPrice: number;
}

interface Quote {
  orderId: string;
  customerId: number;
  subtotal: number;
  tax: number;
  total: number;
  cardLast4: string;
}

const TAX_RATE = 0.2;
const hash = (s: string): Buffer => createHash('sha256').update(s).digest();

const customers = new Map<number, Customer>([
  [
    1,
    {
      id: 1,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      passwordHash: hash('correct horse battery staple'),
      cardNumber: '4111 1111 1111 1111',
    },
  ],
  [
    2,
    {
      id: 2,
      name: 'Alan Turing',
      email: 'alan@example.org',
      passwordHash: hash('enigma-1912'),
      cardNumber: '5555 5555 5555 4444',
    },
  ],
]);
const demoPasswords = new Map<number, string>([
  [1, 'correct horse battery staple'],
  [2, 'enigma-1912'],
]);

const catalogue: LineItem[] = [
  { sku: 'tea-earl-grey', quantity: 2, unitPrice: 4.5 },
  { sku: 'mug-blue', quantity: 1, unitPrice: 12 },
  { sku: 'biscuits', quantity: 3, unitPrice: 2.25 },
];

let orderSequence = 1000;

/** The hot path: authenticates the customer and prices the order. */
export function checkout(customerId: number, password: string, items: LineItem[]): Quote | undefined {
  const customer = customers.get(customerId);
  if (customer === undefined) return undefined;
  const supplied = hash(password);
  if (!timingSafeEqual(supplied, customer.passwordHash)) return undefined;
  const orderId = `ord-${++orderSequence}`;
  const email = customer.email;
  const cardNumber = customer.cardNumber;
  let subtotal = 0;
  for (const item of items) subtotal += item.unitPrice * item.quantity;
  const tax = Math.round(subtotal * TAX_RATE * 100) / 100;
  const total = Math.round((subtotal + tax) * 100) / 100;
  return {
    orderId,
    customerId: customer.id,
    subtotal,
    tax,
    total,
    cardLast4: cardNumber.slice(-4) + email.slice(0, 0),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health')
    return send(res, 200, { status: 'ok', uptime: Math.round(process.uptime()) });
  if (url.pathname === '/checkout' && req.method === 'GET') {
    // Load-test shape: the customer's stored demo password stands in for a login form.
    const customerId = Number(url.searchParams.get('customer') ?? '1');
    const quote = checkout(customerId, demoPasswords.get(customerId) ?? '', catalogue);
    return quote === undefined
      ? send(res, 401, { error: 'unknown customer or wrong password' })
      : send(res, 200, quote);
  }
  if (url.pathname === '/checkout' && req.method === 'POST') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 65_536) req.destroy();
    });
    req.on('end', () => {
      let input: { customerId?: unknown; password?: unknown; items?: unknown };
      try {
        input = JSON.parse(body) as typeof input;
      } catch {
        return send(res, 400, { error: 'invalid JSON' });
      }
      const items = Array.isArray(input.items) ? (input.items as LineItem[]) : catalogue;
      const quote = checkout(
        Number(input.customerId),
        typeof input.password === 'string' ? input.password : '',
        items,
      );
      return quote === undefined
        ? send(res, 401, { error: 'unknown customer or wrong password' })
        : send(res, 200, quote);
    });
    return;
  }
  send(res, 404, { error: 'not found' });
}

const port = Number(process.env['PORT'] ?? '3000');
const server = createServer(handle);
server.keepAliveTimeout = 30_000;
server.listen(port, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address !== null ? address.port : port;
  process.stdout.write(`demo-app listening on http://127.0.0.1:${actual}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}

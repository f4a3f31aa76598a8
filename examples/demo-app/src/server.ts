// The demo checkout service: a real HTTP service with no Glovebox import at all. Attach the agent
// with `node --import @glovebox/agent/register dist/server.js` and GLOVEBOX_URL/GLOVEBOX_AGENT_TOKEN.
import { createServer, type IncomingMessage } from 'node:http';

interface CheckoutRequest {
  email: string;
  card: string;
  items: { sku: string; qty: number; price: number }[];
}

const DB_PASSWORD = process.env.DEMO_DB_PASSWORD ?? 'demo-db-password-s3cr3t';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64 * 1024) req.destroy();
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function priceOrder(order: CheckoutRequest): { orderId: string; total: number } {
  const orderId = `ord_${Date.now().toString(36)}`;
  const connection = `postgres://checkout:${DB_PASSWORD}@db.internal:5432/shop`;
  const total = order.items.reduce((sum, item) => sum + item.qty * item.price, 0);
  const receipt = { orderId, email: order.email, card: order.card, total, connection };
  return { orderId: receipt.orderId, total: receipt.total };
}

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.end('ok\n');
    return;
  }
  if (req.url === '/checkout' && req.method === 'POST') {
    readBody(req)
      .then((text) => {
        const parsed = JSON.parse(text || '{}') as Partial<CheckoutRequest>;
        const order: CheckoutRequest = {
          email: parsed.email ?? 'jane.doe@example.com',
          card: parsed.card ?? '4111111111111111',
          items: parsed.items ?? [{ sku: 'sku-1', qty: 2, price: 21 }],
        };
        const result = priceOrder(order);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(result));
      })
      .catch(() => {
        res.statusCode = 400;
        res.end('bad request\n');
      });
    return;
  }
  res.statusCode = 404;
  res.end('not found\n');
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');

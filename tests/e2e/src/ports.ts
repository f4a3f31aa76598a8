/** Ports for the processes a test starts. */
import { createServer } from 'node:net';

/** The kernel's ephemeral range starts here (Linux default 32768–60999); outgoing connections take ports above it. */
const EPHEMERAL_START = 32_768;
const LOWEST = 20_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive ports nothing listens on now, below the ephemeral range, so that
 * no outgoing connection of this machine (a PostgreSQL client, a fetch) holds one when the process
 * that was given it binds it. A random start keeps tests running in parallel apart.
 */
export async function freePorts(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = LOWEST + Math.floor(Math.random() * (EPHEMERAL_START - LOWEST - count));
    let free = true;
    for (let i = 0; i < count && free; i++) free = await canListen(base + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports between ${LOWEST} and ${EPHEMERAL_START}`);
}

import type { GatewayApp } from '../server.js';
import { indexTable, routeKey, type RouteDeclaration } from './table.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's declaration in the route table, attached when the route is registered. */
    declaration?: RouteDeclaration;
  }
}

/** Thrown at start-up for a route that is registered without a declaration in the route table. */
export class UndeclaredRouteError extends Error {
  constructor(key: string) {
    super(
      `route ${key} is not declared in apps/gateway/src/routes/table.ts: declare what it needs ` +
        '(a Cedar action and resource, self, or public) before registering it',
    );
    this.name = 'UndeclaredRouteError';
  }
}

/**
 * Makes the route table binding: every route registered on `app` (and in its plugins) after this
 * call must be declared in `table`, and carries its declaration in its route config, where the
 * authorization hooks find it. Registering an undeclared route throws, so the gateway does not
 * start (and the build's tests fail).
 */
export function enforceRouteTable(app: GatewayApp, table: readonly RouteDeclaration[]): void {
  const byKey = indexTable(table);
  app.addHook('onRoute', (options) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    const declarations = methods.map((method) => {
      const key = routeKey(method, options.url);
      const declaration = byKey.get(key);
      if (!declaration) throw new UndeclaredRouteError(key);
      return declaration;
    });
    const first = declarations[0]!;
    if (declarations.some((d) => d !== first))
      throw new Error(`route ${options.url} must be declared once for all its methods`);
    options.config = { ...(options.config ?? {}), declaration: first };
  });
}

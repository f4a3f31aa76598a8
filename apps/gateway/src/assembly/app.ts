import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { API_PREFIX } from '@glovebox/protocol';
import type { GatewayApp } from '../server.js';
import { errorHandler } from '../http-errors.js';
import { registerApiRoutes } from '../routes/index.js';
import { recordApiRequests } from '../routes/api-request-audit.js';
import { installAuthorization } from '../routes/authorize.js';
import { rewriteToCanonical } from '../routes/canonical-url.js';
import { enforceRouteTable } from '../routes/registrar.js';
import { registerHealthRoutes } from '../routes/health.js';
import { ROUTE_TABLE } from '../routes/table.js';
import { registerWebConsole } from '../web/index.js';
import type { Assembly } from './services.js';

/** The HTTP server: its hooks, every route, and the agents' WebSocket upgrade. Nothing listens yet. */
export function buildApp({ services, logger, secrets }: Assembly): GatewayApp {
  const { config, redactor, metrics, audit, router, hub } = services;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Every API call is already in the audit trail (api.request); per-request log lines would only
    // repeat it, and each one costs a redaction pass.
    logController: new LogController({ disableRequestLogging: true }),
    // The client address keys the credential limits: only configured proxies may name it.
    trustProxy: config.trustProxy,
    // close() comes last, after the agents and jobs stopped: a finished streamed (hijacked) answer's
    // keep-alive socket otherwise held it for the 72 s keep-alive timeout
    forceCloseConnections: true,
    // Absolute-form, doubled slashes, dot segments…: one spelling per route (routes/canonical-url.ts).
    rewriteUrl: rewriteToCanonical,
    // What the router refuses before any route answers in the API's own shape: a path parameter
    // longer than any id names nothing, a broken percent-encoding is a bad request.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply.status(tooLong ? 404 : 400).send({
        error: tooLong
          ? { code: 'GBX_NOT_FOUND', message: 'no such resource' }
          : { code: 'GBX_REQUEST_INVALID', message: 'the URL is not valid' },
      });
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Every route must be declared in the route table; its declaration decides who may call it.
  enforceRouteTable(app, ROUTE_TABLE);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(redactor));
  app.setNotFoundHandler((_req, reply) => {
    void reply.status(404).send({ error: { code: 'GBX_NOT_FOUND', message: 'no such endpoint' } });
  });
  void app.register(swagger, {
    openapi: {
      info: { title: 'Glovebox gateway API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.addHook('onRequest', async () => {
    metrics.inc('glovebox_http_requests_total');
  });
  installAuthorization(app, services);

  recordApiRequests(app, audit);

  registerHealthRoutes(app, services);
  registerWebConsole(app, services, { secrets });
  router.register(app);
  void app.register(async (api) => registerApiRoutes(api as unknown as GatewayApp, services), {
    prefix: API_PREFIX,
  });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  app.server.on('upgrade', (req, socket, head) => {
    if (req.url?.split('?')[0] !== `${API_PREFIX}/agent/connect`) {
      socket.destroy();
      return;
    }
    void hub.handleUpgrade(req, socket, head);
  });
  return app;
}

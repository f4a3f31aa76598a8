import type { GatewayApp, GatewayServices } from '../../server.js';
import { registerRecordingRoutes } from './recordings.js';
import { registerAuditSearchRoute } from './search.js';
import { registerAuditSinkAndKeyRoutes } from './sinks-and-keys.js';
import { registerAuditVerifyRoutes } from './verify.js';

/** The audit trail, recordings, sinks and checkpoint keys. What each needs is in routes/table.ts. */
export function registerAuditRoutes(api: GatewayApp, s: GatewayServices): void {
  registerAuditSearchRoute(api, s);
  registerRecordingRoutes(api, s);
  registerAuditSinkAndKeyRoutes(api, s);
  registerAuditVerifyRoutes(api, s);
}

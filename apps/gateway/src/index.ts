export { buildServer, type Gateway, type GatewayServices, type GatewayApp } from './server.js';
export { checkAndSetDefaults, type GatewayConfig, type GatewayOptions } from './config.js';
export { TEST_STORES, TEST_PG_URL, type TestStore } from './store/test-stores.js';
export { AuditService, type AuditServiceConfig } from './services/audit-service.js';

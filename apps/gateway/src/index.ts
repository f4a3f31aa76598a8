export { buildServer, type Gateway, type GatewayServices, type GatewayApp } from './server.js';
export { checkAndSetDefaults, type GatewayConfig, type GatewayOptions } from './config.js';
export { AuditService, type AuditServiceConfig } from './services/audit-service.js';

export { registerWebConsole, authenticateConsoleRequest, type WebConsoleOptions } from './console/index.js';
export { OidcLogin, mapGroups, usernameFrom, type SsoIdentity } from './oidc.js';
export { CONTENT_SECURITY_POLICY, CSRF_HEADER, SESSION_COOKIE, csrfFor } from './security.js';

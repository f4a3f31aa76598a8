// A real OpenID provider (panva's oidc-provider) for tests, with a plain login form and a switch
// that tampers with the ID tokens it issues, to prove the gateway refuses them. Test-only: it is
// not exported from the package entry, only as `@glovebox/gateway/testing/oidc-provider`.
export { startTestIdp, type TestIdp } from './provider.js';
export type { Tamper } from './tamper.js';
export { approveDevice, loginAtIdp } from './browser.js';

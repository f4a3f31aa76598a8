export {
  DEFAULT_OBLIGATIONS,
  MAX_ANNOTATED_DURATION_SEC,
  MAX_APPROVALS,
  mergeObligations,
  parseAnnotatedDuration,
  type MaskingLevel,
  type Obligations,
} from './annotations.js';
export { GLOVEBOX_SCHEMA, MFA_NEVER_SEC, NAMESPACE } from './schema.js';
export { POLICY_LIMITS } from './guard.js';
export {
  compilePolicySet,
  loadPolicyDir,
  policySetVersion,
  requirePolicyDir,
  type LoadResult,
  type LoadedPolicy,
  type LoadedPolicySet,
  type SourceFile,
} from './loader.js';
export {
  authzRequestSchema,
  GATEWAY_ACTIONS,
  type AuthzRequest,
  type AuthzResource,
  type PolicyContext,
} from './request.js';
export {
  PolicyEngine,
  type Decision,
  type PolicyDescription,
  type PolicyEngineConfig,
  type PolicyLogger,
  type PolicySetDescription,
  type ReloadResult,
} from './engine.js';
export { watchPolicyDir, type WatchOptions } from './watch.js';
export {
  formatPolicyDir,
  runPolicyTests,
  TEST_CONTEXT_DEFAULTS,
  validatePolicyDir,
  type FormatReport,
  type TestCaseResult,
  type TestReport,
  type ValidateReport,
} from './tools.js';

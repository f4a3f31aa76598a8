export {
  DEFAULT_OBLIGATIONS,
  MAX_ANNOTATED_DURATION_SEC,
  MAX_APPROVALS,
  mergeObligations,
  mergeStated,
  parseAnnotatedDuration,
  type MaskingLevel,
  type Obligations,
} from './annotations.js';
export { GLOVEBOX_SCHEMA, MFA_NEVER_SEC, NAMESPACE } from './schema.js';
export { POLICY_LIMITS } from './guard.js';
export {
  BUNDLE_LIMITS,
  bundleDigest,
  bundleFileKind,
  compileBundle,
  loadPolicyDir,
  MAX_BUNDLE_BYTES,
  policyBundleSchema,
  readPolicyBundle,
  requirePolicyDir,
  sortedBundle,
  type BundleFile,
  type PolicyBundle,
  type ReadBundleResult,
} from './bundle.js';
export {
  compilePolicySet,
  policySetVersion,
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
  decisionRequest,
  PolicyEngine,
  type Decision,
  type PolicyDescription,
  type PolicyEngineConfig,
  type PolicyLogger,
  type PolicySetDescription,
  type ReloadResult,
} from './engine.js';
export { watchPolicyDir, type WatchOptions } from './watch.js';
export { formatPolicyDir, validatePolicyDir, type FormatReport, type ValidateReport } from './tools.js';
export {
  runBundleTests,
  runPolicyTests,
  TEST_CONTEXT_DEFAULTS,
  type TestCaseResult,
  type TestReport,
} from './policy-tests.js';
export {
  CHANGE_KINDS,
  compareOutcomes,
  outcomeOf,
  replayDecisions,
  type ChangeKind,
  type ObligationChange,
  type ReplayCase,
  type ReplayChange,
  type ReplayOutcome,
  type ReplayReport,
} from './replay.js';
export { diffBundles, type BundleDiff, type FileDiff, type PolicyDiff } from './bundle-diff.js';

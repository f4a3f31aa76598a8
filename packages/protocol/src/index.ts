export { canonicalJson, digestOf } from './canonical.js';
export {
  MIN_REASON_LENGTH,
  MIN_BREAK_GLASS_REASON_LENGTH,
  MAX_REASON_LENGTH,
  visibleReasonLength,
  FIELD_LIMITS,
} from './constants.js';
export {
  DEBUG_ACTIONS,
  POLICY_ACTIONS,
  debugActionSchema,
  maskingLevelSchema,
  type MaskingLevel,
  type DebugAction,
  type PolicyAction,
} from './actions.js';
export {
  envelopePayloadSchema,
  signedEnvelopeSchema,
  signEnvelope,
  verifyEnvelope,
  ed25519FromPem,
  ENVELOPE_MAX_LIFETIME_MS,
  type EnvelopePayload,
  type SignedEnvelope,
  type EnvelopeSigningKey,
  type EnvelopeRejection,
  type EnvelopeCheck,
} from './envelope.js';
export {
  KEY_FINGERPRINT,
  keyFingerprint,
  keyIdOf,
  parseKeyPins,
  keyRotationSchema,
  signKeyRotation,
  signWelcome,
  verifyWelcome,
  welcomePayloadSchema,
  type KeyRotation,
  type WelcomePayload,
  type WelcomeRejection,
  type WelcomeCheck,
} from './gateway-trust.js';
export { WEBHOOK_SIGNATURE_HEADER, signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';
export * from './agent-channel.js';
export * from './http.js';
export * from './asciicast.js';
export * from './policy-deploy.js';
export * from './ci-config.js';

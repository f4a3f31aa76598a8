import type { SignedCheckpoint } from '../checkpoint.js';
import { AUDIT_EVENT_TYPES, type ChainedEvent } from '../event.js';

/** OCSF schema version the mapping follows. */
export const OCSF_VERSION = '1.3.0';

const AUTHENTICATION = {
  classUid: 3002,
  categoryUid: 3,
  className: 'Authentication',
  categoryName: 'Identity & Access Management',
};
const API_ACTIVITY = {
  classUid: 6003,
  categoryUid: 6,
  className: 'API Activity',
  categoryName: 'Application Activity',
};

const SEVERITY = { I: [1, 'Informational'], W: [3, 'Medium'], E: [4, 'High'] } as const;

function authenticationActivity(type: string): [number, string] {
  if (type === 'auth.login' || type === 'auth.login_failed') return [1, 'Logon'];
  if (type === 'auth.logout') return [2, 'Logoff'];
  return [99, 'Other'];
}

function apiActivity(type: string): [number, string] {
  const verb = type.slice(type.lastIndexOf('.') + 1);
  if (['created', 'started', 'registered', 'intent', 'connected', 'chunk'].includes(verb))
    return [1, 'Create'];
  if (['read', 'exported', 'verified'].includes(verb)) return [2, 'Read'];
  if (['approved', 'denied', 'updated', 'reloaded', 'key_rotated', 'result'].includes(verb))
    return [3, 'Update'];
  if (['ended', 'revoked', 'expired', 'disconnected', 'stopped'].includes(verb)) return [4, 'Delete'];
  return [99, 'Other'];
}

/**
 * Maps an audit event to an OCSF-shaped object (class Authentication for `auth.*`, API Activity
 * otherwise) for SIEMs that expect OCSF. The Glovebox fields that have no OCSF home, including the
 * chain fields, go under `unmapped.glovebox`, so nothing is lost. See docs/audit.md for the table.
 *
 * @example
 * toOcsf(event).type_uid; // 600301 for an action.intent
 */
export function toOcsf(event: ChainedEvent): Record<string, unknown> {
  const auth = event.type.startsWith('auth.');
  const cls = auth ? AUTHENTICATION : API_ACTIVITY;
  const [activityId, activityName] = auth ? authenticationActivity(event.type) : apiActivity(event.type);
  const [severityId, severity] = SEVERITY[event.severity];
  const status =
    event.outcome === 'success'
      ? [1, 'Success']
      : event.outcome === 'pending'
        ? [0, 'Unknown']
        : [2, 'Failure'];
  const description = (AUDIT_EVENT_TYPES as Record<string, { description: string } | undefined>)[event.type]
    ?.description;
  const user = { uid: event.actor.id, name: event.actor.id, type: event.actor.kind };
  const out: Record<string, unknown> = {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    class_uid: cls.classUid,
    class_name: cls.className,
    type_uid: cls.classUid * 100 + activityId,
    type_name: `${cls.className}: ${activityName}`,
    time: Date.parse(event.time),
    severity_id: severityId,
    severity,
    status_id: status[0],
    status: status[1],
    status_detail: event.outcome,
    message: description ?? event.type,
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      sequence: event.seq,
      event_code: event.type,
      log_name: 'glovebox.audit',
      original_time: event.time,
      product: { name: 'Glovebox', vendor_name: 'Glovebox', feature: { name: 'audit' } },
    },
    actor: { user, ...(event.sessionId === undefined ? {} : { session: { uid: event.sessionId } }) },
    unmapped: {
      glovebox: {
        seq: event.seq,
        hash: event.hash,
        prevHash: event.prevHash,
        outcome: event.outcome,
        details: event.details,
        ...(event.decision === undefined ? {} : { decision: event.decision }),
      },
    },
  };
  if (auth) out.user = user;
  else out.api = { operation: event.action ?? event.type, service: { name: 'glovebox' } };
  if (event.target !== undefined) out.resources = [{ uid: event.target, type: 'glovebox.target' }];
  if (event.decision !== undefined) {
    out.authorizations = [
      {
        decision: event.decision.allowed ? 'allowed' : 'denied',
        policy: { uid: event.decision.determiningPolicies.join(','), version: event.decision.policyVersion },
      },
    ];
  }
  return out;
}

/**
 * A signed head of the trail as an OCSF-shaped API Activity record (`metadata.event_code`
 * `audit.checkpoint`); the checkpoint itself is in `unmapped.glovebox.checkpoint`.
 */
export function toOcsfCheckpoint(checkpoint: SignedCheckpoint): Record<string, unknown> {
  return {
    activity_id: 99,
    activity_name: 'Other',
    category_uid: API_ACTIVITY.categoryUid,
    category_name: API_ACTIVITY.categoryName,
    class_uid: API_ACTIVITY.classUid,
    class_name: API_ACTIVITY.className,
    type_uid: API_ACTIVITY.classUid * 100 + 99,
    type_name: `${API_ACTIVITY.className}: Other`,
    time: Date.parse(checkpoint.time),
    severity_id: 1,
    severity: 'Informational',
    status_id: 1,
    status: 'Success',
    message: `Signed head of the Glovebox audit trail at seq ${checkpoint.seq}`,
    metadata: {
      version: OCSF_VERSION,
      uid: `checkpoint-${checkpoint.seq}`,
      sequence: checkpoint.seq,
      event_code: 'audit.checkpoint',
      log_name: 'glovebox.audit',
      original_time: checkpoint.time,
      product: { name: 'Glovebox', vendor_name: 'Glovebox', feature: { name: 'audit' } },
    },
    unmapped: { glovebox: { checkpoint } },
  };
}

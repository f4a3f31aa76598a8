import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import type { Decision } from '@glovebox/policy';
import {
  policyApproveBodySchema,
  policyApproveResultSchema,
  policyBundleViewSchema,
  policyDiffSchema,
  policyPlanBodySchema,
  policyPlanSchema,
  policyPushBodySchema,
  policyPushResultSchema,
  policyRollbackBodySchema,
  policyRollbackResultSchema,
  policyVersionsSchema,
  type PolicyAction,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import { deniedError } from '../services/authorizer.js';
import type { Actor } from '../services/identity.js';

/** Who may read versions, bundles and diffs: anyone who takes part in deploying policy, and auditors. */
const READ_ACTIONS: readonly PolicyAction[] = ['planPolicy', 'deployPolicy', 'approvePolicy', 'readAudit'];

const versionNumber = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

function actorOf(request: { actor: Actor | null }): Actor {
  if (!request.actor) throw new GloveboxError('GBX_AUTH_REQUIRED', 'authentication required');
  return request.actor;
}

/**
 * `/api/v1/policy/*` of policy deployment (`glovebox policy push|versions|show|diff|rollback|approve|plan`).
 * Each route authorizes through the Authorizer on the gateway resource before it touches a
 * service: deployPolicy (push, rollback), approvePolicy, planPolicy, and one of those or readAudit
 * for reads. The push decision's obligations (approvals, approver groups) shape the push.
 */
export function registerPolicyDeployRoutes(api: GatewayApp, s: GatewayServices): void {
  const { authorizer, policyDeploy } = s;
  const requireAction = (request: { actor: Actor | null }, action: PolicyAction): [Actor, Decision] => {
    const actor = actorOf(request);
    return [actor, authorizer.require(actor, action, { kind: 'gateway' })];
  };
  const requireRead = (request: { actor: Actor | null }): void => {
    const actor = actorOf(request);
    let first: Decision | undefined;
    for (const action of READ_ACTIONS) {
      const decision = authorizer.decide(actor, action, { kind: 'gateway' });
      if (decision.allowed) return;
      first ??= decision;
    }
    throw deniedError(first!);
  };

  api.post(
    '/policy/bundles',
    { schema: { body: policyPushBodySchema, response: { 200: policyPushResultSchema } } },
    async (request) => {
      const [actor, decision] = requireAction(request, 'deployPolicy');
      // what the gateway itself verified: the CI provider's claims behind an exchanged token
      const verified = await s.store.ciExchanges.claimsOfToken(actor.tokenId);
      return policyDeploy.push(
        actor,
        { bundle: { files: request.body.files }, message: request.body.message, claimed: request.body.ci },
        decision,
        { claimed: request.body.ci, ...(verified ? { verified } : {}) },
      );
    },
  );

  api.get(
    '/policy/bundles',
    {
      schema: {
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(20) }),
        response: { 200: policyVersionsSchema },
      },
    },
    async (request) => {
      requireRead(request);
      return policyDeploy.versions(request.query.limit);
    },
  );

  api.get(
    '/policy/bundles/:version',
    {
      schema: {
        params: z.strictObject({ version: versionNumber }),
        response: { 200: policyBundleViewSchema },
      },
    },
    async (request) => {
      requireRead(request);
      return policyDeploy.get(request.params.version);
    },
  );

  api.post(
    '/policy/bundles/:version/approve',
    {
      schema: {
        params: z.strictObject({ version: versionNumber }),
        body: policyApproveBodySchema,
        response: { 200: policyApproveResultSchema },
      },
    },
    async (request) => {
      const [actor] = requireAction(request, 'approvePolicy');
      return policyDeploy.approve(actor, request.params.version, request.body.digest);
    },
  );

  api.post(
    '/policy/rollback',
    { schema: { body: policyRollbackBodySchema, response: { 200: policyRollbackResultSchema } } },
    async (request) => {
      const [actor] = requireAction(request, 'deployPolicy');
      return policyDeploy.rollback(actor, request.body.version);
    },
  );

  api.get(
    '/policy/diff',
    {
      schema: {
        querystring: z.strictObject({ from: versionNumber, to: versionNumber }),
        response: { 200: policyDiffSchema },
      },
    },
    async (request) => {
      requireRead(request);
      return policyDeploy.diff(request.query.from, request.query.to);
    },
  );

  api.post(
    '/policy/plan',
    { schema: { body: policyPlanBodySchema, response: { 200: policyPlanSchema } } },
    async (request) => {
      const [actor] = requireAction(request, 'planPolicy');
      const { files, days, maxDecisions } = request.body;
      return s.policyPlan.plan(actor, files, { days, maxDecisions });
    },
  );
}

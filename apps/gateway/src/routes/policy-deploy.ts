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
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../services/identity.js';
import { authzOf } from './authorize.js';

const versionNumber = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * `/api/v1/policy/*` of policy deployment (`glovebox policy push|versions|show|diff|rollback|approve|plan`).
 * Each route's decision is in routes/table.ts, on the gateway resource: deployPolicy (push,
 * rollback), approvePolicy, planPolicy, and any of those or readAudit for reads. The push
 * decision's obligations (approvals, approver groups) shape the push.
 */
export function registerPolicyDeployRoutes(api: GatewayApp, s: GatewayServices): void {
  const { policyDeploy } = s;
  const allowed = (request: FastifyRequest): [Actor, Decision] => {
    const { actor, decision } = authzOf(request);
    if (!decision) throw new GloveboxError('GBX_INTERNAL', 'policy route reached without its decision');
    return [actor, decision];
  };

  api.post(
    '/policy/bundles',
    { schema: { body: policyPushBodySchema, response: { 200: policyPushResultSchema } } },
    async (request) => {
      const [actor, decision] = allowed(request);
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
      const { actor } = authzOf(request);
      return policyDeploy.approve(actor, request.params.version, request.body.digest);
    },
  );

  api.post(
    '/policy/rollback',
    { schema: { body: policyRollbackBodySchema, response: { 200: policyRollbackResultSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
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
      return policyDeploy.diff(request.query.from, request.query.to);
    },
  );

  api.post(
    '/policy/plan',
    { schema: { body: policyPlanBodySchema, response: { 200: policyPlanSchema } } },
    async (request) => {
      const { actor } = authzOf(request);
      const { files, days, maxDecisions } = request.body;
      return s.policyPlan.plan(actor, files, { days, maxDecisions });
    },
  );
}

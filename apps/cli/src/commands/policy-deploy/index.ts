import type { Command } from 'commander';
import { registerApproveCommand, registerPushCommand, registerRollbackCommand } from './activation.js';
import { registerDiffCommand, registerShowCommand, registerVersionsCommand } from './history.js';
import { registerPlanCommand } from './plan.js';

export { PLAN_CHANGES_EXIT } from './plan.js';

/** `glovebox policy push|versions|show|diff|rollback|approve|plan`: policy bundles on the gateway. */
export function registerPolicyDeployCommands(policy: Command): void {
  registerPushCommand(policy);
  registerVersionsCommand(policy);
  registerShowCommand(policy);
  registerDiffCommand(policy);
  registerRollbackCommand(policy);
  registerApproveCommand(policy);
  registerPlanCommand(policy);
}

import type { Command } from 'commander';
import { registerRequestCommand, registerRequestsCommand } from './request.js';
import { registerApproveCommand, registerDenyCommand } from './review.js';
import { registerTargetsCommand } from './targets.js';

/** `glovebox targets|request|requests|approve|deny`: asking for access and deciding on it. */
export function registerAccessCommands(program: Command): void {
  registerTargetsCommand(program);
  registerRequestCommand(program);
  registerRequestsCommand(program);
  registerApproveCommand(program);
  registerDenyCommand(program);
}

import type { Command } from 'commander';
import { registerLoginCommand, registerLogoutCommand } from './login.js';
import { registerMfaCommands } from './mfa.js';
import { registerTokenCommands } from './tokens.js';
import { registerWhoamiCommand } from './whoami.js';

/** `glovebox login|logout|whoami|mfa|tokens`: who the caller is to the gateway, and how they prove it. */
export function registerIdentityCommands(program: Command): void {
  registerLoginCommand(program);
  registerLogoutCommand(program);
  registerWhoamiCommand(program);
  registerMfaCommands(program);
  registerTokenCommands(program);
}

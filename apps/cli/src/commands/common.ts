import type { Command } from 'commander';
import { GloveboxError } from '@glovebox/core';
import { ApiClient, resolveUrl } from '../client.js';
import { makeOutput, type Output } from '../output.js';

/** The global options merged with a command's own. */
export function context(command: Command): { api: ApiClient; out: Output; opts: Record<string, unknown> } {
  const opts = command.optsWithGlobals<Record<string, unknown>>();
  const out = makeOutput(opts.json === true);
  return { api: new ApiClient(resolveUrl(opts.url as string | undefined)), out, opts };
}

/** Throws a usage error (exit 2). */
export function usage(message: string): never {
  throw new GloveboxError('GBX_USAGE', message);
}

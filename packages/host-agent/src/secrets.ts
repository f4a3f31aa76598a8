import { readFileSync, statSync } from 'node:fs';
import { GloveboxError } from '@glovebox/core';
import type { SecretRef } from './config.js';

/**
 * Reads a secret from the environment variable or file a {@link SecretRef} names. A file must not be
 * readable by group or others (like an SSH key). Error messages name the reference, never the value.
 *
 * @example
 * const token = resolveSecret({ env: 'GLOVEBOX_AGENT_TOKEN' });
 * @throws GloveboxError GBX_CONFIG_INVALID when the secret is missing, empty or too widely readable.
 */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env]?.trim();
    if (!value)
      throw new GloveboxError('GBX_CONFIG_INVALID', `environment variable ${ref.env} is not set or empty`);
    return value;
  }
  let mode: number;
  let text: string;
  try {
    mode = statSync(ref.file).mode;
    text = readFileSync(ref.file, 'utf8');
  } catch {
    throw new GloveboxError('GBX_CONFIG_INVALID', `cannot read secret file ${ref.file}`);
  }
  if ((mode & 0o077) !== 0)
    throw new GloveboxError(
      'GBX_CONFIG_INVALID',
      `secret file ${ref.file} is readable by group or others; run chmod 600 on it`,
    );
  const value = text.trim();
  if (!value) throw new GloveboxError('GBX_CONFIG_INVALID', `secret file ${ref.file} is empty`);
  return value;
}

import { GloveboxError } from '@glovebox/core';
import { usage } from '../common.js';

// The policy engine (Cedar compiled to WebAssembly) loads only for the commands that read a directory.
const policyEngine = () => import('@glovebox/policy');

/** The files of the policy bundle in `dir`, refused with GBX_POLICY_INVALID when it cannot be read. */
export async function readBundle(dir: string): Promise<{ path: string; text: string }[]> {
  const read = await (await policyEngine()).readPolicyBundle(dir);
  if (!read.ok)
    throw new GloveboxError('GBX_POLICY_INVALID', `${dir}: ${read.errors[0] ?? 'cannot be read'}`, {
      details: { errors: read.errors },
    });
  return read.bundle.files;
}

/** A policy version operand: a whole number from 1. */
export function version(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`a policy version is a whole number from 1, got "${text}"`);
  return n;
}

/** A `--wait` duration (`30s`, `2m`, or bare seconds) in seconds. */
export function seconds(text: string): number {
  const m = /^(\d{1,5})(s|m)?$/.exec(text);
  if (!m) usage(`--wait takes a duration like 30s or 2m, got "${text}"`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

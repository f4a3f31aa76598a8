import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GloveboxError } from '@glovebox/core';
import type * as AuditModule from '@glovebox/audit';
import type { VerifyReport, WitnessedHead } from '@glovebox/audit';
import { errorFromBody } from '../client.js';
import type { Output } from '../output.js';
import { context, localOutput, usage } from './common.js';

/** The options of `glovebox audit verify`. */
export interface VerifyOptions {
  file?: string;
  key: string[];
  head: string[];
  headFile: string[];
}

type AuditLib = typeof AuditModule;

/** PEM files, or keyring directories (every `*.pub.pem` in them), as the verifier's key map. */
async function trustedKeys(lib: AuditLib, paths: string[]): Promise<Map<string, KeyObject> | undefined> {
  if (paths.length === 0) return undefined;
  const keys = new Map<string, KeyObject>();
  for (const path of paths) {
    const files = (await stat(path).catch(() => null))?.isDirectory()
      ? (await readdir(path)).filter((name) => name.endsWith('.pub.pem')).map((name) => join(path, name))
      : [path];
    for (const file of files) {
      const parsed = lib.parsePublicKey(await readFile(file, 'utf8').catch(() => ''));
      if (parsed === null) usage(`--key ${file} is not a readable Ed25519 audit public key (PEM)`);
      keys.set(parsed.keyId, parsed.key);
    }
  }
  if (keys.size === 0) usage(`--key ${paths.join(', ')} holds no audit public key (*.pub.pem)`);
  return keys;
}

/**
 * Every head the trail must reach: `--head SEQ:HASH` as given, and the latest signed head of each
 * `--head-file` (with `--key`, only heads whose signature verifies with those keys count).
 */
async function witnessedHeads(
  lib: AuditLib,
  o: VerifyOptions,
  keys: Map<string, KeyObject> | undefined,
  out: Output,
): Promise<WitnessedHead[]> {
  const heads: WitnessedHead[] = [];
  for (const text of o.head) {
    const head = lib.parseWitnessedHead(text);
    if (head === null) usage(`--head "${text}" is not SEQ:HASH (a seq and the 64-hex-digit hash there)`);
    heads.push(head);
  }
  for (const file of o.headFile) {
    const read = await lib.readWitnessedHead(file, keys).catch(() => {
      throw new GloveboxError('GBX_AUDIT_WITNESS_INVALID', `--head-file ${file} cannot be read`);
    });
    if (read === null)
      throw new GloveboxError(
        'GBX_AUDIT_WITNESS_INVALID',
        `--head-file ${file} holds no signed head${keys ? ' that verifies with the --key keys' : ''}`,
      );
    const skipped = read.skipped > 0 ? `; ${read.skipped} head(s) there did not verify and were ignored` : '';
    out.note(`witnessed head from ${file}: seq ${read.head.seq} signed at ${read.head.time}${skipped}`);
    heads.push({ seq: read.head.seq, hash: read.head.headHash });
  }
  return heads;
}

/** Streams a live verification from the gateway, its progress to stderr, and returns the report. */
async function verifyLive(command: Command, heads: WitnessedHead[], out: Output): Promise<VerifyReport> {
  const { api } = context(command);
  const query = heads.map((head) => `head=${head.seq}:${head.hash}`).join('&');
  let report: VerifyReport | undefined;
  await api.stream('GET', `/audit/verify${query ? `?${query}` : ''}`, undefined, (message) => {
    if (message.type === 'progress')
      out.note(`verified ${message.events} event(s), up to seq ${message.headSeq} of ${message.targetSeq}`);
    else if (message.type === 'result') {
      const { type: _type, ...rest } = message;
      report = rest as unknown as VerifyReport;
    } else if (message.type === 'error') throw errorFromBody(message, 500);
  });
  if (report === undefined)
    throw new GloveboxError('GBX_INTERNAL', 'the gateway ended the verification without a report');
  return report;
}

/**
 * `glovebox audit verify`: the live trail through the gateway, or an export offline (`--file`),
 * held against every witnessed head given.
 */
export async function verifyAuditTrail(o: VerifyOptions, command: Command): Promise<VerifyReport> {
  const lib = await import('@glovebox/audit');
  const out = localOutput(command);
  if (o.file === undefined && o.key.length > 0 && o.headFile.length === 0)
    usage('--key needs --file or --head-file: the live trail is verified with the gateway’s own keys');
  const keys = await trustedKeys(lib, o.key);
  const heads = await witnessedHeads(lib, o, keys, out);
  if (o.file === undefined) return verifyLive(command, heads, out);
  return lib.verifyExport(o.file, {
    ...(keys === undefined ? {} : { publicKeys: keys }),
    witnesses: heads,
    progressEvery: 1_000_000,
    onProgress: (progress) => out.note(`verified ${progress.events} event(s), up to seq ${progress.headSeq}`),
  });
}

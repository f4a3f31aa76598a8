import type { Redactor } from '@glovebox/redact';

const MAX_DEPTH = 16;
/** Keys whose value is a reference object, or else an inline secret. */
const REFERENCE_KEYS = new Set(['secret', 'credential']);

/**
 * Paths (`webhooks.0.secret`) of every string in a raw glovebox.yaml that is a secret written
 * inline: a string under a sensitive key (`password`, `token`, `secret`…), or a value the
 * redaction engine recognises (an API key, a webhook URL with its token, a private key…). The
 * values themselves are never returned, so error messages cannot leak them.
 */
export function findInlineSecrets(value: unknown, redactor: Redactor): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string[], depth: number): void => {
    if (depth > MAX_DEPTH || found.length >= 20) return;
    if (typeof node === 'string') {
      const key = path[path.length - 1] ?? '';
      const isReferenceName = key === 'env' || key === 'file';
      if (
        !isReferenceName &&
        (REFERENCE_KEYS.has(key) || redactor.isSensitiveKey(key) || redactor.redactText(node).text !== node)
      )
        found.push(path.join('.'));
      return;
    }
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, String(i)], depth + 1));
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k], depth + 1);
  };
  walk(value, [], 0);
  return found;
}

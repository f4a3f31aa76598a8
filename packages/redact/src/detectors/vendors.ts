import { Literal } from '../literal.js';
import type { Detector } from '../span.js';
import { PRIORITY } from '../span.js';
import { decodeBase64, isAlnum, isTokenChar } from './chars.js';
import { regexDetector, vendorDetector } from './regex-detector.js';

function decodeBase64Url(part: string): string | undefined {
  return decodeBase64(part.replace(/-/g, '+').replace(/_/g, '/'));
}

/**
 * The header is JSON naming an algorithm, type or key; a token without a signature part (unsigned,
 * or the signature stripped) must also carry JSON claims.
 */
function jwtHeaderOk(m: RegExpExecArray): boolean {
  const [header = '', claims = '', signature] = m[0].split('.');
  const decoded = decodeBase64Url(header);
  if (decoded === undefined || !decoded.startsWith('{') || !/"(?:alg|typ|enc|kid)"/.test(decoded))
    return false;
  return signature !== undefined || decodeBase64Url(claims)?.trimStart().startsWith('{') === true;
}

/** Vendor tokens led by a fixed prefix, upper- and lower-case, and Glovebox's own credentials. */
export function vendorPrefixDetectors(): Detector[] {
  return [
    vendorDetector(
      'vendor-upper',
      [
        [
          'AWS_ACCESS_KEY_ID',
          '(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])',
          isAlnum,
        ],
        ['GOOGLE_API_KEY', 'AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])', isAlnum],
        ['GOOGLE_CLIENT_SECRET', 'GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])', isAlnum],
        ['SENDGRID_API_KEY', 'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])', isAlnum],
      ],
      undefined,
      (runs) => runs.upperVendor,
    ),
    vendorDetector(
      'vendor-lower',
      [
        [
          'GITHUB_TOKEN',
          '(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})(?![A-Za-z0-9_])',
          isAlnum,
        ],
        ['SLACK_TOKEN', '(?:xox(?:[abposer]|a-2)-|xapp-\\d-)[A-Za-z0-9-]{10,250}', isAlnum],
        [
          'SLACK_WEBHOOK',
          'https:\\/\\/hooks\\.slack\\.com\\/(?:services|workflows|triggers)\\/[A-Za-z0-9_/-]{8,250}',
          isAlnum,
        ],
        [
          'STRIPE_KEY',
          '(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9+/]{24,128})',
          isAlnum,
        ],
        ['ANTHROPIC_API_KEY', 'sk-ant-(?:api|admin)\\d{2}-[A-Za-z0-9_-]{32,250}', isTokenChar],
        [
          'OPENAI_API_KEY',
          'sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,250}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,64})(?![A-Za-z0-9_-])',
          isTokenChar,
        ],
        ['NPM_TOKEN', 'npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])', isAlnum],
      ],
      [
        new Literal('gh'),
        new Literal('github_pat_', 7),
        new Literal('xox'),
        new Literal('xapp-'),
        new Literal('https://hooks.', 8),
        new Literal('sk_', 1),
        new Literal('rk_', 1),
        new Literal('whsec_'),
        new Literal('sk-', 1),
        new Literal('npm_', 1),
      ],
      (runs) => runs.lowerVendor,
    ),
    vendorDetector(
      'glovebox',
      [
        ['GLOVEBOX_API_TOKEN', 'gbx_t_[A-Za-z0-9_-]{20,512}', isAlnum],
        ['GLOVEBOX_SESSION_TOKEN', 'gbx_s_[A-Za-z0-9_-]{20,512}', isAlnum],
        ['GLOVEBOX_AGENT_CREDENTIAL', 'gbx_a_[A-Za-z0-9_-]{20,512}', isAlnum],
        // kinds minted later (one or two lower-case letters) are credentials too
        ['GLOVEBOX_TOKEN', 'gbx_[a-z]{1,2}_[A-Za-z0-9_-]{20,512}', isAlnum],
      ],
      [new Literal('gbx_', 1)],
    ),
  ];
}

/**
 * Tokens led by a prefix their vendor documents, each searched for by its own literal: GitLab
 * (personal/project/group access `glpat-`, deploy `gldt-`, runner `glrt-`; the routable form adds
 * `.01.…` parts), Google OAuth access tokens, DigitalOcean, Hugging Face, Shopify, Databricks, PyPI
 * upload tokens and age secret keys.
 */
// each literal searched for from a tail that is rare in logs (measured on the generated 5 MB log)
const PREFIXED_TOKENS: ReadonlyArray<[name: string, type: string, literals: Literal[], re: RegExp]> = [
  [
    'gitlab-token',
    'GITLAB_TOKEN',
    [new Literal('glpat-'), new Literal('gldt-'), new Literal('glrt-')],
    /gl(?:pat|dt|rt)-[A-Za-z0-9_-]{20,512}(?:\.[A-Za-z0-9_-]{2,64}){0,2}/g,
  ],
  ['google-oauth-token', 'GOOGLE_OAUTH_TOKEN', [new Literal('ya29.')], /ya29\.[A-Za-z0-9_-]{20,2048}/g],
  [
    'digitalocean-token',
    'DIGITALOCEAN_TOKEN',
    [new Literal('_v1_', 1)],
    /do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])/g,
  ],
  ['huggingface-token', 'HUGGINGFACE_TOKEN', [new Literal('hf_')], /hf_[A-Za-z]{34}(?![A-Za-z0-9])/g],
  [
    'shopify-token',
    'SHOPIFY_TOKEN',
    [new Literal('shp', 1)],
    /shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])/g,
  ],
  [
    'databricks-token',
    'DATABRICKS_TOKEN',
    [new Literal('dapi', 2)],
    /dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])/g,
  ],
  ['pypi-token', 'PYPI_TOKEN', [new Literal('pypi-AgE', 5)], /pypi-AgE[A-Za-z0-9_-]{50,2048}/g],
  [
    'age-secret-key',
    'AGE_SECRET_KEY',
    [new Literal('AGE-SECRET-KEY-1', 11)],
    /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58,}/g,
  ],
];

export function prefixedTokenDetectors(): Detector[] {
  return PREFIXED_TOKENS.map(([name, type, literals, re]) =>
    regexDetector({
      name,
      type,
      priority: PRIORITY.vendorToken,
      triggers: literals,
      reach: 3,
      re,
      badBefore: isTokenChar,
    }),
  );
}

/** Azure storage keys and SAS signatures, and JSON Web Tokens. */
export function cloudTokenDetectors(): Detector[] {
  return [
    regexDetector({
      name: 'azure-connection-key',
      type: 'AZURE_STORAGE_KEY',
      priority: PRIORITY.vendorToken,
      triggers: [new Literal('AccountKey=', 7), new Literal('SharedAccessKey=', 12)],
      re: /(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,100}={0,2})/dg,
      group: 1,
    }),
    regexDetector({
      name: 'azure-sas-signature',
      type: 'AZURE_SAS_TOKEN',
      priority: PRIORITY.vendorToken,
      triggers: [new Literal('?sig='), new Literal('&sig=')],
      re: /[?&]sig=([A-Za-z0-9%+/=]{20,200})/dg,
      group: 1,
    }),
    regexDetector({
      name: 'jwt',
      type: 'JWT',
      priority: PRIORITY.vendorToken,
      triggers: [new Literal('eyJ', 1)],
      re: /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?)?/g,
      badBefore: isTokenChar,
      validate: jwtHeaderOk,
    }),
  ];
}

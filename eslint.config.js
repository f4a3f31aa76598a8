// Type-aware lint. The layering rules at the bottom encode STYLE.md's dependency direction; do not relax them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// `@glovebox/!(a|b)` forbids every package but a and b. ESLint's gitignore-style `group` patterns do not
// understand that extglob (such a rule silently matched nothing), so it becomes a regular expression.
const forbid = (pattern, message) => {
  const except = /^@glovebox\/!\(([a-z|-]+)\)$/.exec(pattern);
  return except
    ? { regex: `^@glovebox/(?!(?:${except[1]})(?:/|$))`, message }
    : { group: [pattern], message };
};

// What the CLI may import (the agent for its heap snapshot reader). It starts the gateway and the agent
// preload as programs (resolved, not imported).
const CLI_MAY_IMPORT = ['core', 'protocol', 'redact', 'policy', 'audit', 'agent', 'host-agent'];

const layer = (files, forbidden, why) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...forbidden.map((pattern) => forbid(pattern, why)),
          {
            group: ['@glovebox/*/src/*', '@glovebox/*/dist/*'],
            message: 'no deep imports into another package',
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/results/**',
      'tests/artifacts/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      // Interfaces are async so both stores fit; a synchronous implementation is still an async method.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // issue 19's size limits for the sources of every package and app (tests' describe blocks
    // aside), without exceptions (ADR 0012)
    files: ['packages/**/*.ts', 'apps/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'max-lines': ['error', { max: 500 }],
      'max-lines-per-function': ['error', { max: 120 }],
    },
  },
  {
    // the redaction engine's tests were held to them before the rule covered every package
    files: ['packages/redact/src/**/*.test.ts'],
    rules: {
      'max-lines': ['error', { max: 500 }],
      'max-lines-per-function': ['error', { max: 120 }],
    },
  },
  {
    files: ['packages/redact/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/redact/src/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/testing/]',
          message: 'the corpus generator and evaluator are for tests and benchmarks only',
        },
      ],
    },
  },
  layer(['packages/core/**'], ['@glovebox/*'], 'core imports nothing of ours'),
  layer(['packages/redact/**'], ['@glovebox/*'], 'redact is pure and imports nothing of ours'),
  layer(['packages/protocol/**'], ['@glovebox/!(core)'], 'protocol imports core only'),
  layer(
    ['packages/policy/**', 'packages/audit/**'],
    ['@glovebox/!(core|redact|protocol)'],
    'libraries import downward only',
  ),
  layer(
    ['packages/agent/**'],
    ['@glovebox/!(core|redact|protocol)'],
    'the agent never imports gateway, policy or audit code',
  ),
  layer(['packages/sql/**'], ['@glovebox/!(core)'], 'the SQL library imports core only'),
  layer(
    ['packages/host-agent/**'],
    ['@glovebox/!(core|protocol|redact|agent|sql)'],
    'the host agent never imports gateway, policy or audit code',
  ),
  layer(
    ['apps/gateway/**'],
    ['@glovebox/host-agent', '@glovebox/cli', '@glovebox/web'],
    'apps are leaves and the gateway never runs agent code (SQL classification is @glovebox/sql)',
  ),
  layer(
    ['apps/cli/**'],
    [`@glovebox/!(${CLI_MAY_IMPORT.join('|')})`],
    'the CLI imports libraries only: it talks to the gateway over HTTP and never loads an app',
  ),
  {
    // The CLI loads heavy libraries lazily with import(); these keep such imports inside the layering
    // rule, and allow resolving (never importing) only the programs the CLI starts as child processes.
    files: ['apps/cli/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportExpression[source.type!='Literal']",
          message: 'import() in the CLI names a literal module, so the layering rule can check it',
        },
        {
          selector: `ImportExpression[source.value=/^@glovebox.(?!(${CLI_MAY_IMPORT.join('|')})(.|$))/]`,
          message: `the CLI imports libraries only (${CLI_MAY_IMPORT.join(', ')})`,
        },
        {
          selector:
            "CallExpression[callee.object.type='MetaProperty'][callee.property.name='resolve']:not([arguments.0.value=/^@glovebox.(gateway.main|agent.register)$/])",
          message:
            'the CLI resolves only the programs it starts in child processes: @glovebox/gateway/main, @glovebox/agent/register',
        },
        {
          selector:
            "CallExpression[callee.name='createRequire'], MemberExpression[object.name='require'][property.name='resolve']",
          message: 'no CommonJS loading around the layering rule',
        },
      ],
    },
  },
  layer(['apps/web/**'], ['@glovebox/!(protocol)'], 'the web console imports protocol types only'),
  layer(['examples/**', 'tests/**', 'bench/**'], [], ''),
);

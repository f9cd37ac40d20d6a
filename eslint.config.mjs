// Type-aware linting: typescript-eslint's recommended and strict rule sets, on the app,
// its tests, benchmarks, migrations and seeds. Formatting is Prettier's, not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.data/', 'node_modules/', 'static/', '*.config.js', '*.config.mjs', 'scripts/', 'test/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Names starting with _ are deliberately unused (destructuring a field away).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Express 5 awaits a handler's promise, and knex's where-callbacks return its
      // (thenable) builder: both are promises passed where a void callback is typed.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Numbers and booleans read fine in messages and SQL fragments.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // knex returns rows typed `any`: query modules (and the loaders that write seed and
    // demo rows) are where rows get their types, declared in each function's signature.
    files: ['src/**/queries.ts', 'src/demo/**/*.ts', 'src/db/**/*.ts', 'seeds/**/*.ts', 'migrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // Tests and benchmarks read rows and response bodies typed `any` by knex and supertest,
    // and assert on values they have just created: the unsafe-any and non-null rules would
    // only add casts there.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);

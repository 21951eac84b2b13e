import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.switchyard/**', 'bench/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // `#private` is private at run time too, not only to the type checker (STYLE.md,
      // issue 16); a private constructor has no `#` form, so it stays allowed.
      'no-restricted-syntax': ['error', {
        selector: "PropertyDefinition[accessibility='private'], MethodDefinition[accessibility='private'][kind!='constructor'], TSParameterProperty[accessibility='private']",
        message: 'Use a #private field or method instead of the private modifier.',
      }],
    },
  },
  // Pricing, telemetry, budget, store and the collector speak src/model-call, never the
  // provider adapters: a price or a span must not change because an adapter did (STYLE.md 15).
  {
    files: ['src/pricing/**', 'src/telemetry/**', 'src/budget/**', 'src/store/**', 'src/collector/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '(^|/)providers(/|$)',
          message: 'Import the words of a call (messages, usage, results) from src/model-call; only the router composes provider adapters.',
        }],
      }],
    },
  },
  // The shared vocabulary sits below every part, so it may import none of them.
  {
    files: ['src/model-call/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\.(/|$)|switchyard(/|$))',
          message: 'src/model-call imports nothing else of switchyard: everything may import it, so it must not pull anything in.',
        }],
      }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
)

import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// One rule for imports between folders (issue 16): src/ has no inner barrels. A file imports
// the file named after what it needs, so a search for the name finds its owner and an import
// never drags in a whole folder (or an import cycle through one). src/index.ts, the package's
// public surface, is the only index.
const noInnerBarrel = {
  regex: '^\\.{1,2}/(.*/)?index(\\.js)?$',
  message: 'Import the file named after the export (../pricing/price-call.js), not a folder index: src/ has no inner barrels (CONTRIBUTING.md).',
}
const noProviders = {
  regex: '(^|/)providers(/|$)',
  message: 'Import the words of a call (messages, usage, results) from src/model-call; only the router composes provider adapters.',
}
const privateModifier = {
  selector: "PropertyDefinition[accessibility='private'], MethodDefinition[accessibility='private'][kind!='constructor'], TSParameterProperty[accessibility='private']",
  message: 'Use a #private field or method instead of the private modifier.',
}

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
      'no-restricted-syntax': ['error', privateModifier],
    },
  },
  // Every file of src/: no folder-index imports, and no more than 400 lines (past that a
  // file is two concepts, STYLE.md 1).
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noInnerBarrel] }],
      'max-lines': ['error', { max: 400 }],
    },
  },
  // A barrel file is refused where it stands, so tests and benches cannot lean on one either.
  {
    files: ['src/*/**/index.ts'],
    rules: {
      'no-restricted-syntax': ['error', privateModifier, {
        selector: 'Program',
        message: 'src/ has no inner barrels: delete this index.ts and import the files it re-exported (CONTRIBUTING.md).',
      }],
    },
  },
  // Pricing, telemetry, budget, store and the collector speak src/model-call, never the
  // provider adapters: a price or a span must not change because an adapter did (STYLE.md 15).
  // (A later block's no-restricted-imports replaces an earlier one's, so each repeats noInnerBarrel.)
  {
    files: ['src/pricing/**', 'src/telemetry/**', 'src/budget/**', 'src/store/**', 'src/collector/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noProviders, noInnerBarrel] }] },
  },
  // The shared vocabulary sits below every part, so it may import none of them.
  {
    files: ['src/model-call/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\.(/|$)|switchyard(/|$))',
          message: 'src/model-call imports nothing else of switchyard: everything may import it, so it must not pull anything in.',
        }, noInnerBarrel],
      }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
)

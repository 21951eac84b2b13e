import { environmentVariables } from './environment.js'
import { expandEnvironment, type ExpandedConfig } from './expand-environment.js'
import { readConfigFile } from './read-config-file.js'
import { switchyardConfigError } from './switchyard-config-error.js'
import { checkSwitchyardConfig, switchyardConfigSecrets, type SwitchyardConfig } from './switchyard-config.js'

export interface LoadConfigOptions {
  /** Where `${NAME}` finds its values; default: the process environment. */
  environment?: Readonly<Record<string, string | undefined>>
}

/**
 * Reads, expands and validates a switchyard config file (`.json`, `.yaml`/`.yml`, or
 * an ES module): the one loader every `--config` goes through. `${NAME}` in a string
 * is that environment variable (`$${` is a literal `${`). A bad file throws a
 * ConfigError naming the file and every bad field by its dotted path, a missing
 * variable by name; no message carries a value a variable put in.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<SwitchyardConfig> {
  const environment = options.environment ?? environmentVariables()
  const expanded = await readExpandedConfig(path, { environment })
  return validateExpandedConfig(withSharedFromEnvironment(expanded, environment), path)
}

/**
 * `SWITCHYARD_REDIS_URL` stands for `shared: { url }` in a file that has no `shared`
 * (the file wins when it has one), so replicas share budgets without editing the file.
 */
function withSharedFromEnvironment(expanded: ExpandedConfig, environment: Readonly<Record<string, string | undefined>>): ExpandedConfig {
  const url = environment.SWITCHYARD_REDIS_URL?.trim()
  const value = expanded.value
  if (url === undefined || url === '' || typeof value !== 'object' || value === null || Array.isArray(value) || 'shared' in value) return expanded
  return { ...expanded, value: { ...value, shared: { url } }, substituted: [...expanded.substituted, url] }
}

/** The second half of `loadConfig`: validate an expanded file's value, reporting its unset variables with the rest. */
export function validateExpandedConfig(expanded: ExpandedConfig, path: string): SwitchyardConfig {
  const { config, issues } = checkSwitchyardConfig(expanded.value)
  // A field whose variable is missing is reported once, for the variable.
  const remaining = issues.filter((issue) => !expanded.issues.some((unset) => startsWith(issue.path, unset.path)))
  const all = [...expanded.issues, ...remaining]
  if (config !== undefined && all.length === 0) return config
  throw switchyardConfigError({ source: path, issues: all, secrets: [...expanded.substituted, ...switchyardConfigSecrets(expanded.value)] })
}

/**
 * Reads a config file and expands its `${NAME}` references without validating it,
 * for a command that reads only part of a config (`switchyard budgets`) or an older
 * file shape; `loadConfig` is this plus validation.
 */
export async function readExpandedConfig(path: string, options: LoadConfigOptions = {}): Promise<ExpandedConfig> {
  return expandEnvironment(await readConfigFile(path), options.environment ?? environmentVariables())
}

function startsWith(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment)
}

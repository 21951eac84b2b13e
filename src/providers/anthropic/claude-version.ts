/** The generation a Claude model name says it is of: `claude-3-7-sonnet` is 3.7, `claude-opus-4-1` 4.1. */
export interface ClaudeVersion {
  major: number
  minor: number
}

// `claude-3-7-sonnet-20250219`, `claude-2.1`, `claude-instant-1.2`: the version comes first.
const versionFirst = /claude-(?:instant-)?(\d+)(?:[-.](\d))?(?=$|[-@:.])/
// `claude-opus-4-1-20250805`, `claude-sonnet-4-5@20250929`, `anthropic.claude-haiku-4-5-...`: the family first.
const familyFirst = /claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?=$|[-@:.])/

/** The model's generation, or undefined when its name does not say (an alias, a proxy's own name). */
export function claudeVersion(model: string): ClaudeVersion | undefined {
  const match = versionFirst.exec(model) ?? familyFirst.exec(model)
  if (match === null) return undefined
  return { major: Number(match[1]), minor: match[2] === undefined ? 0 : Number(match[2]) }
}

/** Whether the model is of generation `major.minor` or later; a name that does not say is taken as a current model. */
export function claudeAtLeast(model: string, major: number, minor: number): boolean {
  const version = claudeVersion(model)
  if (version === undefined) return true
  return version.major > major || (version.major === major && version.minor >= minor)
}

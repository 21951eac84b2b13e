/**
 * Writes a validation path the way a user would point at the field in their
 * config: `routes.smart.targets[1].provider`. Names that would make the dots
 * ambiguous (a route called `eu.west`) are quoted: `routes["eu.west"].strategy`.
 */
export function configPath(path: readonly PropertyKey[]): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`
    } else if (typeof segment === 'symbol') {
      text += `[${segment.toString()}]`
    } else if (segment === '' || /[.[\]\s"]/.test(segment)) {
      text += `[${JSON.stringify(segment)}]`
    } else {
      text += text === '' ? segment : `.${segment}`
    }
  }
  return text === '' ? '(config)' : text
}

/**
 * Writes where a bad field sits in a config file as dotted segments, list
 * positions included: `gateway.keys.0.routes.1`, `routes.smart.targets.0.provider`.
 * A name that would make the dots ambiguous (a route called `eu.west`) is quoted:
 * `routes["eu.west"].strategy`. The whole file is `(config)`.
 */
export function configIssuePath(path: readonly PropertyKey[]): string {
  let text = ''
  for (const segment of path) {
    const name = typeof segment === 'symbol' ? segment.toString() : String(segment)
    if (typeof segment !== 'number' && (name === '' || /[.[\]\s"]/.test(name))) {
      text += `[${JSON.stringify(name)}]`
    } else {
      text += text === '' ? name : `.${name}`
    }
  }
  return text === '' ? '(config)' : text
}

/** Suffixes that name a dated snapshot of a model: `-2024-08-06` (OpenAI), `-20250929` (Anthropic), `@20250929` (Vertex). */
const snapshotSuffixes = [/-\d{4}-\d{2}-\d{2}$/, /-\d{8}$/, /@\d{8}$/]

/**
 * The ids to try, in order, when looking a model up: the id as given (lower
 * case), without the `models/` prefix of the Gemini REST API, and without a
 * dated snapshot suffix. Explicit aliases win because the exact id is tried
 * first, so a snapshot with its own price (`gpt-4o-2024-05-13`) keeps it.
 */
export function modelIdCandidates(model: string): string[] {
  const candidates: string[] = []
  const add = (id: string): void => {
    if (id !== '' && !candidates.includes(id)) candidates.push(id)
  }
  const lower = model.trim().toLowerCase()
  add(lower)
  if (lower.startsWith('models/')) add(lower.slice('models/'.length))
  for (const id of [...candidates]) {
    for (const suffix of snapshotSuffixes) {
      if (suffix.test(id)) add(id.replace(suffix, ''))
    }
  }
  return candidates
}

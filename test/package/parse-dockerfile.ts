/** One instruction of a Dockerfile: its keyword (upper case) and the rest of its line. */
export interface DockerInstruction {
  keyword: string
  argument: string
}

/** One build stage: its base image (build arguments expanded), its name, its instructions. */
export interface DockerStage {
  from: string
  name: string | undefined
  instructions: DockerInstruction[]
}

/**
 * Reads a Dockerfile the way the builder splits it: comments dropped, `\` continuation
 * lines joined, one stage per FROM, and `${ARG}` in FROM replaced by the ARG's default
 * given before the first stage. Enough for the checks here, not a full parser (no
 * heredocs, no escape directive).
 */
export function parseDockerfile(text: string): { stages: DockerStage[] } {
  const lines = text.split('\n').filter((line) => !line.trimStart().startsWith('#'))
  const instructions: DockerInstruction[] = []
  let pending = ''
  for (const line of lines) {
    pending += line.trimEnd()
    if (pending.endsWith('\\')) {
      pending = `${pending.slice(0, -1)} `
      continue
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(pending)
    if (match !== null) instructions.push({ keyword: match[1]!.toUpperCase(), argument: match[2]!.replace(/\s+/g, ' ').trim() })
    pending = ''
  }
  const globalArguments = new Map<string, string>()
  const stages: DockerStage[] = []
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.argument.split(' ')
      const from = image.replace(/\$\{(\w+)\}/g, (_, argument: string) => globalArguments.get(argument) ?? '')
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] })
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.argument.split('=')
      globalArguments.set(name, value)
    } else {
      stages.at(-1)?.instructions.push(instruction)
    }
  }
  return { stages }
}

/** The shell commands of a stage's RUN instructions, split at `&&`. */
export function runCommands(stage: DockerStage): string[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'RUN')
    .flatMap((instruction) => instruction.argument.split('&&').map((command) => command.trim()))
}

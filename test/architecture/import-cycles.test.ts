import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// Type-only imports count too: a cycle of types is still two files that must be read together.
const importPattern = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g

function sourceFiles(directory: string): string[] {
  if (!existsSync(directory)) return []
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith('.ts') ? [full] : []
  })
}

function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const targets: string[] = []
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const target = path.resolve(path.dirname(file), match[1]!).replace(/\.js$/, '.ts')
      if (existsSync(target)) targets.push(target)
      else if (existsSync(path.join(target, 'index.ts'))) targets.push(path.join(target, 'index.ts'))
    }
    graph.set(file, targets)
  }
  return graph
}

/** Groups of files that import each other, directly or around a loop (Tarjan's strongly connected components). */
function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0
  const order = new Map<string, number>()
  const lowest = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (file: string): void => {
    order.set(file, next)
    lowest.set(file, next)
    next += 1
    stack.push(file)
    onStack.add(file)
    for (const target of graph.get(file) ?? []) {
      if (!order.has(target)) {
        visit(target)
        lowest.set(file, Math.min(lowest.get(file)!, lowest.get(target)!))
      } else if (onStack.has(target)) {
        lowest.set(file, Math.min(lowest.get(file)!, order.get(target)!))
      }
    }
    if (lowest.get(file) !== order.get(file)) return
    const group: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      group.push(path.relative(root, member))
    } while (member !== file)
    if (group.length > 1) cycles.push(group.sort())
  }
  for (const file of graph.keys()) if (!order.has(file)) visit(file)
  return cycles
}

describe('imports', () => {
  it('form no cycle in src/ (the collector included)', () => {
    const files = sourceFiles(path.join(root, 'src'))
    expect(files.length).toBeGreaterThan(100)
    expect(importCycles(importGraph(files))).toEqual([])
  })

  it('are checked by a finder that catches a three-file loop and leaves out a file that only points into it', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ])
    expect(importCycles(graph).map((group) => group.length)).toEqual([3])
  })
})

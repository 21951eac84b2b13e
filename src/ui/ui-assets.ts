import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { uiClientScript } from './client/ui-client-script.js'
import { uiStyle } from './client/ui-style.js'

export interface UiAsset {
  contentType: string
  body: Buffer
}

const javascript = 'text/javascript; charset=utf-8'
const css = 'text/css; charset=utf-8'

/** uPlot's files in node_modules: a runtime dependency, shipped with the package, never fetched from a CDN. */
const uplotFiles: Record<string, { file: string; contentType: string }> = {
  'uPlot.min.js': { file: 'uplot/dist/uPlot.iife.min.js', contentType: javascript },
  'uPlot.min.css': { file: 'uplot/dist/uPlot.min.css', contentType: css },
}

const loaded = new Map<string, Promise<UiAsset | undefined>>()

/** The asset named in `/ui/assets/<name>`, read once; undefined for any other name. */
export function uiAsset(name: string): Promise<UiAsset | undefined> {
  let asset = loaded.get(name)
  if (asset === undefined) {
    asset = loadAsset(name)
    // Only the few known names get here, so the cache stays as small as the list.
    if (name in uplotFiles || name === 'ui.js' || name === 'ui.css') loaded.set(name, asset)
  }
  return asset
}

async function loadAsset(name: string): Promise<UiAsset | undefined> {
  if (name === 'ui.js') return { contentType: javascript, body: Buffer.from(uiClientScript(), 'utf8') }
  if (name === 'ui.css') return { contentType: css, body: Buffer.from(uiStyle, 'utf8') }
  if (!Object.hasOwn(uplotFiles, name)) return undefined
  const entry = uplotFiles[name]!
  const require = createRequire(import.meta.url)
  return { contentType: entry.contentType, body: await readFile(require.resolve(entry.file)) }
}

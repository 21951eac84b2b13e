import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

export const dashboardsDirectory = fileURLToPath(new URL('../../dashboards/', import.meta.url))
const jsonDirectory = `${dashboardsDirectory}json/`

// Only the parts of a dashboard the tests read; Grafana's own fields pass through.
const targetSchema = z.object({ refId: z.string(), editorType: z.literal('sql'), format: z.number(), rawSql: z.string() })
const linkSchema = z.object({
  title: z.string(),
  internal: z.object({ datasourceUid: z.string(), query: z.object({ format: z.number(), rawSql: z.string() }) }).optional(),
})
const overrideSchema = z.object({
  matcher: z.object({ id: z.string(), options: z.string() }),
  properties: z.array(z.object({ id: z.string(), value: z.unknown() })),
})
const panelSchema = z.object({
  id: z.number(),
  title: z.string(),
  type: z.string(),
  datasource: z.object({ type: z.string(), uid: z.string() }),
  fieldConfig: z.object({ overrides: z.array(overrideSchema) }),
  targets: z.array(targetSchema).min(1),
})
const variableSchema = z.object({
  name: z.string(),
  type: z.literal('query'),
  multi: z.boolean(),
  includeAll: z.boolean(),
  datasource: z.object({ uid: z.string() }),
  query: z.object({ rawSql: z.string() }),
})
export const dashboardSchema = z.object({
  uid: z.string(),
  title: z.string(),
  templating: z.object({ list: z.array(variableSchema) }),
  panels: z.array(panelSchema),
})
export type Dashboard = z.infer<typeof dashboardSchema>
export type Panel = z.infer<typeof panelSchema>

export function dashboardFileNames(): string[] {
  return readdirSync(jsonDirectory).filter((name) => name.endsWith('.json')).sort()
}

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return dashboardFileNames().map((file) => ({ file, dashboard: dashboardSchema.parse(JSON.parse(readFileSync(`${jsonDirectory}${file}`, 'utf8'))) }))
}

/** Links on a panel's field overrides (the trace link of the runs table). */
export function fieldLinks(panel: Panel): { field: string; link: z.infer<typeof linkSchema> }[] {
  return panel.fieldConfig.overrides.flatMap((override) => override.properties
    .filter((property) => property.id === 'links')
    .flatMap((property) => z.array(linkSchema).parse(property.value).map((link) => ({ field: override.matcher.options, link }))))
}

import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { z } from 'zod'
import { CollectorConfigError, startCollector } from '../../src/collector/collector.js'
import { readEnvironment } from '../../src/config/environment.js'
import { exporterTraceColumns } from '../store/store-suite.js'
import { dashboardsDirectory, loadDashboards } from './dashboard-files.js'

// Docker cannot run here: these tests check the stack's files against each other
// and against the repository instead.

const serviceSchema = z.object({
  image: z.string(),
  profiles: z.array(z.string()).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
})
const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.unknown()),
})
type Service = z.infer<typeof serviceSchema>

function readYaml(file: string): unknown {
  // Grafana and compose expand ${VAR} themselves; YAML merge keys (<<) are compose's anchors.
  return parse(readFileSync(path.join(dashboardsDirectory, file), 'utf8'), { merge: true })
}

const composeText = readFileSync(path.join(dashboardsDirectory, 'docker-compose.yml'), 'utf8')
const compose = composeSchema.parse(readYaml('docker-compose.yml'))
const services = compose.services
const service = (name: string): Service => {
  const found = services[name]
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`)
  return found
}
/** The command as the container sees it: compose turns `$$` into a literal `$` for the shell. */
const command = (name: string): string => [service(name).command ?? []].flat().join(' ').replaceAll('$$', '$')

/** `source:target[:mode]` of a volume entry; bind mounts start with `.` or `/`. */
function mounts(name: string): { source: string; target: string; bind: boolean }[] {
  return (service(name).volumes ?? []).map((entry) => {
    const [source = '', target = ''] = entry.split(':')
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') }
  })
}

function mountSource(name: string, target: string): string {
  const mount = mounts(name).find((candidate) => candidate.target === target)
  if (mount === undefined) throw new Error(`${name} mounts nothing at ${target}`)
  return path.resolve(dashboardsDirectory, mount.source)
}

const datasources = z.object({
  apiVersion: z.literal(1),
  datasources: z.array(z.object({
    name: z.string(),
    uid: z.string(),
    type: z.string(),
    jsonData: z.object({
      host: z.string(),
      port: z.number(),
      protocol: z.enum(['native', 'http']),
      username: z.string(),
      defaultDatabase: z.string(),
      traces: z.record(z.string(), z.union([z.string(), z.boolean()])),
    }),
    secureJsonData: z.object({ password: z.string() }),
  })).length(1),
}).parse(readYaml('provisioning/datasources/clickhouse.yaml'))
const datasource = datasources.datasources[0]!

const providers = z.object({
  apiVersion: z.literal(1),
  providers: z.array(z.object({ name: z.string(), type: z.literal('file'), options: z.object({ path: z.string() }) })).length(1),
}).parse(readYaml('provisioning/dashboards/switchyard.yaml'))

describe('docker-compose.yml', () => {
  it('runs ClickHouse, the switchyard collector and gateway, Grafana, and the official collector as an alternative', () => {
    expect(Object.keys(services).sort()).toEqual(['clickhouse', 'collector', 'gateway', 'grafana', 'migrate', 'otelcol'])
    expect(service('clickhouse').image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/)
    expect(service('grafana').image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/)
    expect(service('otelcol').image).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/)
    expect(service('otelcol').profiles).toEqual(['official-collector'])
    expect(service('migrate').profiles).toEqual(['official-collector'])
  })

  it('gives every bind mount a source that exists in the repository, and declares every named volume', () => {
    for (const name of Object.keys(services)) {
      for (const mount of mounts(name)) {
        if (mount.bind) expect(existsSync(path.resolve(dashboardsDirectory, mount.source)), `${name}: ${mount.source}`).toBe(true)
        else expect(compose.volumes, `${name}: volume ${mount.source}`).toHaveProperty(mount.source)
      }
    }
  })

  it('starts the switchyard collector on all interfaces against the ClickHouse server database', () => {
    // The image's entry point is `switchyard`; the store is CLICKHOUSE_URL, which the CLI reads.
    expect(command('collector')).toMatch(/^collector --host 0\.0\.0\.0 --port 4318 /)
    expect(service('collector').environment?.CLICKHOUSE_URL).toMatch(/^http:\/\/\$\{CLICKHOUSE_USER:-\w+\}:\$\{CLICKHOUSE_PASSWORD:\?[^}]+\}@clickhouse:8123\/otel$/)
    // Built from the repository's Dockerfile (test/package/docker-image.test.ts checks the image's installs).
    expect(composeText).toMatch(/build:\n\s+context: \.\.\n\s+dockerfile: Dockerfile\n/)
    expect(statSync(path.resolve(dashboardsDirectory, '..', 'Dockerfile')).isFile()).toBe(true)
    expect(service('collector').ports).toContain('4318:4318')
    expect(service('collector').depends_on?.clickhouse?.condition).toBe('service_healthy')
    expect(command('migrate')).toBe('migrate')
  })

  it('runs the official collector with collector/otelcol-contrib.yaml, after the migrations, with the credentials it reads', () => {
    const config = mountSource('otelcol', '/etc/otelcol-contrib/config.yaml')
    expect(config).toBe(path.resolve(dashboardsDirectory, '../collector/otelcol-contrib.yaml'))
    const text = readFileSync(config, 'utf8')
    const exporter = z.object({ exporters: z.object({ clickhouse: z.object({ endpoint: z.string(), database: z.string(), create_schema: z.boolean() }) }) }).parse(parse(text))
    const endpoint = new URL(exporter.exporters.clickhouse.endpoint)
    expect(services).toHaveProperty(endpoint.hostname)
    expect(exporter.exporters.clickhouse.database).toBe(service('clickhouse').environment?.CLICKHOUSE_DB)
    expect(exporter.exporters.clickhouse.create_schema).toBe(false)
    for (const variable of text.matchAll(/\$\{env:(\w+)\}/g)) expect(service('otelcol').environment, variable[1]).toHaveProperty(variable[1]!)
    expect(service('otelcol').depends_on?.migrate?.condition).toBe('service_completed_successfully')
    expect(mounts('otelcol').map((mount) => mount.target)).toContain('/var/lib/otelcol')
    expect(text).toMatch(/directory: \/var\/lib\/otelcol\/queue/)
  })

  it('has no default for any password or for the collector\'s token: compose refuses to start without the passwords, the collector without its token', () => {
    const secrets = [...composeText.matchAll(/\$\{(\w*(?:PASSWORD|TOKEN)\w*)([^}]*)\}/g)]
    expect(new Set(secrets.map((match) => match[1])).size).toBe(3)
    for (const [reference, name, form] of secrets) {
      // The token's only default is empty: compose passes it through, the collector checks it.
      if (name === 'SWITCHYARD_COLLECTOR_TOKEN' && form === ':-') continue
      expect(form, reference).toMatch(/^:\?\S/)
    }
    expect(service('grafana').environment?.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/)
  })

  it('requires of compose only the passwords both collector setups use: it checks every variable of the file, whichever services run', () => {
    // Comments are not interpolated; `$${` is a literal `${` for the container's shell.
    const interpolated = composeText.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n')
    const required = new Set([...interpolated.matchAll(/(?<!\$)\$\{(\w+):?\?/g)].map((match) => match[1]))
    expect(required).toEqual(new Set(['CLICKHOUSE_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']))
    for (const name of ['clickhouse', 'grafana', 'migrate', 'otelcol']) expect(JSON.stringify(service(name)), name).not.toContain('SWITCHYARD_COLLECTOR_TOKEN')
  })

  it('gives the collector, listening on all interfaces, the token it requires there, under the name switchyard reads, and refuses to start without it', async () => {
    expect(service('collector').environment?.SWITCHYARD_COLLECTOR_TOKEN).toBe('${SWITCHYARD_COLLECTOR_TOKEN:-}')
    expect(readEnvironment({ SWITCHYARD_COLLECTOR_TOKEN: 'a-token-of-sixteen-chars' }).collectorToken).toBe('a-token-of-sixteen-chars')
    // Unset or empty, the collector does not listen on all interfaces, and says which variable to set.
    expect(readEnvironment({ SWITCHYARD_COLLECTOR_TOKEN: '' }).collectorToken).toBeUndefined()
    await expect(startCollector({ host: '0.0.0.0', port: 0 })).rejects.toThrow(CollectorConfigError)
    await expect(startCollector({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/SWITCHYARD_COLLECTOR_TOKEN/)
    expect(command('collector')).not.toMatch(/--allow-unauthenticated/)
    // The healthcheck sends no token: /healthz stays open for probes.
    expect(service('collector').healthcheck?.test.join(' ')).toMatch(/\/healthz/)
  })

  it('publishes no host port twice in either collector setup, and ClickHouse on the host\'s loopback only', () => {
    // `[address:]host:container`: the host port is the one before the container's.
    const published = (names: string[]): string[] => names.flatMap((name) => (service(name).ports ?? []).map((port) => port.split(':').at(-2)!))
    for (const setup of [['clickhouse', 'collector', 'grafana'], ['clickhouse', 'otelcol', 'grafana', 'migrate']]) {
      const ports = published(setup)
      expect(new Set(ports).size, setup.join(', ')).toBe(ports.length)
    }
    expect(published(['grafana'])).toEqual(['3000'])
    expect(published(['clickhouse'])).toEqual(['8123'])
    expect(service('clickhouse').ports).toEqual(['127.0.0.1:8123:8123'])
  })

  it('publishes on all interfaces only the services that ask for credentials; the official collector\'s OTLP ports, without any, on loopback', () => {
    // The collector requires its token (above); Grafana its admin password, with anonymous access left off;
    // the gateway a virtual key, which its config lists (compose-gateway-config.test.ts).
    const withCredentials = new Set(['collector', 'grafana', 'gateway'])
    expect(service('grafana').environment?.GF_AUTH_ANONYMOUS_ENABLED).toBeUndefined()
    for (const name of Object.keys(services)) {
      if (withCredentials.has(name)) continue
      for (const port of service(name).ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/)
    }
    expect(service('otelcol').ports).toEqual(['127.0.0.1:4318:4318', '127.0.0.1:4317:4317'])
    // What makes the official collector's receivers open: no authenticator configured.
    expect(readFileSync(path.resolve(dashboardsDirectory, '../collector/otelcol-contrib.yaml'), 'utf8')).not.toMatch(/^\s*auth(enticator)?:/m)
  })

  it('installs the ClickHouse plugin in Grafana and mounts the provisioning and the dashboards where the provider reads them', () => {
    const grafana = service('grafana')
    expect(grafana.environment?.GF_INSTALL_PLUGINS?.split(',')).toContain('grafana-clickhouse-datasource')
    expect(mountSource('grafana', '/etc/grafana/provisioning')).toBe(path.join(dashboardsDirectory, 'provisioning'))
    const dashboards = mountSource('grafana', providers.providers[0]!.options.path)
    expect(dashboards).toBe(path.join(dashboardsDirectory, 'json'))
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH?.startsWith(providers.providers[0]!.options.path)).toBe(true)
    const home = path.basename(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '')
    expect(existsSync(path.join(dashboards, home))).toBe(true)
  })
})

describe('Grafana provisioning', () => {
  it('defines the ClickHouse data source the dashboards use, on the compose ClickHouse service', () => {
    expect(datasource.type).toBe('grafana-clickhouse-datasource')
    for (const { dashboard } of loadDashboards()) {
      for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe(datasource.uid)
    }
    expect(services).toHaveProperty(datasource.jsonData.host)
    expect(datasource.jsonData.port).toBe(datasource.jsonData.protocol === 'native' ? 9000 : 8123)
    expect(datasource.jsonData.defaultDatabase).toBe(service('clickhouse').environment?.CLICKHOUSE_DB)
  })

  it('takes its credentials from variables the Grafana service sets', () => {
    const referenced = [datasource.jsonData.username, datasource.secureJsonData.password].flatMap((value) => [...value.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!))
    expect(referenced).toEqual(['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD'])
    for (const name of referenced) expect(service('grafana').environment).toHaveProperty(name)
  })

  it('points the trace view at otel_traces with columns that exist there', () => {
    const traces = datasource.jsonData.traces
    expect(traces).toMatchObject({ defaultDatabase: 'otel', defaultTable: 'otel_traces', otelEnabled: true, durationUnit: 'nanoseconds' })
    const columns = new Set(exporterTraceColumns.map(([name]) => name))
    const mapped = Object.entries(traces).filter(([key]) => key.endsWith('Column'))
    expect(mapped.map(([key]) => key).sort()).toEqual([
      'durationColumn', 'instrumentationLibraryNameColumn', 'instrumentationLibraryVersionColumn', 'kindColumn', 'operationNameColumn',
      'parentSpanIdColumn', 'serviceNameColumn', 'serviceTagsColumn', 'spanIdColumn', 'startTimeColumn', 'statusCodeColumn',
      'statusMessageColumn', 'tagsColumn', 'traceIdColumn',
    ])
    for (const [key, column] of mapped) expect(columns.has(String(column)), `${key}: ${String(column)}`).toBe(true)
    for (const prefix of [traces.traceEventsColumnPrefix, traces.traceLinksColumnPrefix]) {
      expect([...columns].some((column) => column.startsWith(`${String(prefix)}.`))).toBe(true)
    }
  })
})

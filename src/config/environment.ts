/**
 * The only module that reads `process.env`. Everything else takes explicit options,
 * so tests and embedders can run several configurations in one process.
 */
export interface Environment {
  clickhouseUrl: string | undefined
  otlpEndpoint: string | undefined
  serviceName: string | undefined
  captureMessageContent: boolean
  /** `SWITCHYARD_COLLECTOR_TOKEN`: the collector's bearer token, for the collector and for the CLIs that call it. */
  collectorToken: string | undefined
  providerKeys: Readonly<Record<string, string | undefined>>
}

export function readEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  return {
    clickhouseUrl: nonEmpty(source.CLICKHOUSE_URL),
    otlpEndpoint: nonEmpty(source.OTEL_EXPORTER_OTLP_ENDPOINT),
    serviceName: nonEmpty(source.OTEL_SERVICE_NAME),
    captureMessageContent: source.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === 'true',
    collectorToken: nonEmpty(source.SWITCHYARD_COLLECTOR_TOKEN?.trim()),
    providerKeys: {
      openai: nonEmpty(source.OPENAI_API_KEY),
      anthropic: nonEmpty(source.ANTHROPIC_API_KEY),
      gemini: nonEmpty(source.GEMINI_API_KEY),
    },
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

/**
 * The process environment as a read-only map, for `${NAME}` references in a config
 * file. Only entry points call this (the CLI, `start*` functions); `loadConfig`
 * takes the map as an option, so a test or an embedder passes its own.
 */
export function environmentVariables(source: NodeJS.ProcessEnv = process.env): Readonly<Record<string, string | undefined>> {
  return { ...source }
}

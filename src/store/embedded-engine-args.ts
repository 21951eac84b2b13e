import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileDurably } from '../shared/write-file-durably.js'

/** Written into the data directory at every open, so it always matches this code. */
export const EMBEDDED_ENGINE_CONFIG_FILE = 'switchyard-engine.xml'

/*
 * Merges of wide tables go column by column from the first row. A horizontal merge
 * holds read and write buffers for every column of every part at once: merging six
 * 8 MiB collector batches of otel_traces (22 columns, maps, seven skip indexes) took
 * ~220 MiB, a vertical merge of the same parts ~60 MiB, in no more time. The engine
 * goes vertical only past 131,072 rows, which a collector's parts reach only after a
 * burst has paid for several horizontal merges, two or three at a time, inside the
 * host process. (MergeTree settings can come only from a configuration file.)
 */
const engineConfig = `<clickhouse>
    <merge_tree>
        <vertical_merge_algorithm_min_rows_to_activate>1</vertical_merge_algorithm_min_rows_to_activate>
    </merge_tree>
</clickhouse>
`

/**
 * The `clickhouse local` arguments the embedded engine at `directory` starts with,
 * after writing the configuration file they name. The engine runs inside the host
 * process (a collector, the router), so what its background work holds is the
 * host's RSS: the configuration keeps merges from multiplying it through a burst.
 */
export async function embeddedEngineArgs(directory: string): Promise<string[]> {
  const configFile = path.join(directory, EMBEDDED_ENGINE_CONFIG_FILE)
  await mkdir(directory, { recursive: true })
  const current = await readFile(configFile, 'utf8').catch(() => undefined)
  // Written aside and renamed, so an engine starting at the same moment never reads half a file.
  if (current !== engineConfig) await writeFileDurably(configFile, engineConfig)
  return [`--config-file=${configFile}`]
}

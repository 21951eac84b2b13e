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
 *
 * Merges also run two at most, not the server default's 16 threads times 2: five tables
 * get a part per collector batch, and every merge running beside an insert is the host's
 * RSS too. Two keep up on the two cores the host shares. The pool's free-entry thresholds
 * go to 0 with it, or a pool this small would count as busy and cap merges at 1 MiB of
 * parts, leaving the parts of a burst unmerged.
 */
const engineConfig = `<clickhouse>
    <background_pool_size>2</background_pool_size>
    <background_merges_mutations_concurrency_ratio>1</background_merges_mutations_concurrency_ratio>
    <merge_tree>
        <number_of_free_entries_in_pool_to_lower_max_size_of_merge>0</number_of_free_entries_in_pool_to_lower_max_size_of_merge>
        <number_of_free_entries_in_pool_to_execute_mutation>0</number_of_free_entries_in_pool_to_execute_mutation>
        <number_of_free_entries_in_pool_to_execute_optimize_entire_partition>0</number_of_free_entries_in_pool_to_execute_optimize_entire_partition>
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

import { readEnvironment } from '../config/environment.js'
import { createPriceTable } from '../pricing/create-price-table.js'
import { loadPriceRows } from '../store/load-price-rows.js'
import { createStore } from '../store/create-store.js'
import { migrate } from '../store/migrate.js'
import { StoreUnavailableError } from '../store/store-error.js'
import { storeUrlPassword } from '../store/store-url.js'
import { errorSummary } from '../shared/error-summary.js'
import { numberOption, parseCliArguments } from './cli-arguments.js'

const help = `usage: switchyard migrate [--store <url>] [--retention-days <n>] [--prices-file <json>]

Creates or upgrades the store's tables (also done at every collector start).`

/** `switchyard migrate`: bring the store to the newest schema and say what changed. */
export async function runMigrateCommand(argv: string[]): Promise<number> {
  const { values } = parseCliArguments(argv, {
    help: { type: 'boolean' },
    store: { type: 'string' },
    'retention-days': { type: 'string' },
    'prices-file': { type: 'string' },
  })
  if (values.help) {
    console.log(help)
    return 0
  }
  const retentionDays = numberOption(values['retention-days'], 'retention-days')
  const url = values.store ?? readEnvironment().clickhouseUrl
  const store = await createStore({ url })
  try {
    const ping = await store.client.ping()
    if (!ping.success) {
      throw new StoreUnavailableError(`the store ${store.displayUrl} does not answer (${errorSummary(ping.error, { secrets: [storeUrlPassword(url ?? '')] })}); start it, or check --store / CLICKHOUSE_URL`)
    }
    const result = await migrate({ store, retentionDays })
    const prices = await loadPriceRows({ store, table: createPriceTable({ file: values['prices-file'] }) })
    console.log(result.applied.length === 0
      ? `store ${store.displayUrl} is up to date (schema version ${result.to})`
      : `store ${store.displayUrl}: applied migrations ${result.applied.join(', ')} (schema version ${result.from} -> ${result.to})`)
    console.log(`loaded ${prices} price rows into llm_prices`)
    return 0
  } finally {
    await store.close()
  }
}

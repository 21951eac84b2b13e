/**
 * Why an insert failed, in words that are safe for logs and `/healthz`. ClickHouse's
 * error text quotes the rows it could not parse (with content capture on, prompts), so
 * nothing here is taken from a message that carries a ClickHouse code: only the code,
 * and the name this module knows for it.
 */
export interface InsertFailure {
  /**
   * `invalid-rows`: ClickHouse refused the data itself (a value it cannot parse, a value
   * the column cannot hold, a malformed line); the same rows fail the same way on every
   * retry, and an insert without them can pass. The same codes also come from a column
   * changed under the writer or a view that fails, for rows that are valid: the
   * collector sets rows aside only once its check table refuses them too (migration 6).
   * `transient`: everything else (connection,
   * timeout, memory, too many parts, a read-only or missing table, an unknown code),
   * which may pass on a later attempt and must never cost a row.
   */
  kind: 'invalid-rows' | 'transient'
  /** ClickHouse's error code, when the error carries one. */
  code: number | undefined
  /**
   * ClickHouse's name for the code (`CANNOT_PARSE_DATETIME`), `CLICKHOUSE_<code>` for a code
   * not listed here, the system error code (`ECONNREFUSED`), or the error's class name.
   */
  name: string
  /** One short sentence without row text. */
  summary: string
}

/**
 * ClickHouse errors that mean "this row cannot go into this table": raised while the
 * input format is parsed or a value is converted to its column's type (or by a
 * materialized view computing from a row's values), never by the server's state.
 * Codes and names as the engine lists them in `system.errors`.
 */
const invalidRowCodes: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [7, 'INCORRECT_NUMBER_OF_COLUMNS'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [32, 'ATTEMPT_TO_READ_AFTER_EOF'],
  [33, 'CANNOT_READ_ALL_DATA'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [128, 'TOO_LARGE_ARRAY_SIZE'],
  [130, 'CANNOT_READ_ARRAY_FROM_TEXT'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [190, 'SIZES_OF_ARRAYS_DONT_MATCH'],
  [248, 'INVALID_PARTITION_VALUE'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [376, 'CANNOT_PARSE_UUID'],
  [395, 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO'],
  [407, 'DECIMAL_OVERFLOW'],
  [441, 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING'],
  [467, 'CANNOT_PARSE_BOOL'],
  [563, 'CANNOT_READ_MAP_FROM_TEXT'],
  [632, 'UNEXPECTED_DATA_AFTER_PARSED_VALUE'],
  [675, 'CANNOT_PARSE_IPV4'],
  [676, 'CANNOT_PARSE_IPV6'],
])

/** Names of the other codes an insert commonly meets, so logs say more than a number. */
const otherCodeNames: ReadonlyMap<number, string> = new Map([
  [16, 'NO_SUCH_COLUMN_IN_TABLE'],
  [60, 'UNKNOWN_TABLE'],
  [62, 'SYNTAX_ERROR'],
  [73, 'UNKNOWN_FORMAT'],
  [81, 'UNKNOWN_DATABASE'],
  [115, 'UNKNOWN_SETTING'],
  [159, 'TIMEOUT_EXCEEDED'],
  [164, 'READONLY'],
  [173, 'CANNOT_ALLOCATE_MEMORY'],
  [201, 'QUOTA_EXCEEDED'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [218, 'TABLE_IS_DROPPED'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [243, 'NOT_ENOUGH_SPACE'],
  [252, 'TOO_MANY_PARTS'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [439, 'CANNOT_SCHEDULE_TASK'],
  [452, 'SETTING_CONSTRAINT_VIOLATION'],
  [497, 'ACCESS_DENIED'],
  [516, 'AUTHENTICATION_FAILED'],
  [999, 'KEEPER_EXCEPTION'],
  [1000, 'POCO_EXCEPTION'],
  [1001, 'STD_EXCEPTION'],
])

/** `Code: 41. DB::Exception: ...`: the server's own prefix, at the very start of its text. */
const leadingCode = /^Code: (\d{1,5})\./
/** A system or library error code (`ECONNRESET`, `UND_ERR_SOCKET`) or a class name (`ChdbClosedError`): never data. */
const identifierWord = /^[A-Za-z][A-Za-z0-9_]{1,63}$/
/** Messages of errors without a ClickHouse code are quoted only when they read like the library's own words. */
const plainMessage = /^[A-Za-z0-9 .,:_/()-]{1,120}$/

/**
 * Sort an insert's error into "the rows are invalid" (split the batch and set the
 * refused rows aside) or "try again later", with a row-free name and summary.
 * Works for the embedded engine's errors (`clickhouseCode`), `@clickhouse/client`'s
 * `ClickHouseError` (`code` as a digit string, parsed from the front of the server's
 * answer) and network errors. Only the listed parse and type codes count as invalid:
 * an unknown code is retried, because dead-lettering rows for a fault of the server
 * (a dropped table, a missing column) would set every row aside.
 */
export function classifyInsertFailure(error: unknown): InsertFailure {
  const code = clickHouseCodeOf(error)
  if (code !== undefined) {
    const invalidName = invalidRowCodes.get(code)
    const name = invalidName ?? otherCodeNames.get(code) ?? `CLICKHOUSE_${code}`
    return invalidName !== undefined
      ? { kind: 'invalid-rows', code, name, summary: `ClickHouse refused the rows as invalid: ${name} (code ${code})` }
      : { kind: 'transient', code, name, summary: `ClickHouse failed the insert: ${name} (code ${code})` }
  }
  const details = typeof error === 'object' && error !== null ? (error as { code?: unknown; name?: unknown; message?: unknown }) : {}
  const systemCode = typeof details.code === 'string' && identifierWord.test(details.code) ? details.code : undefined
  const className = typeof details.name === 'string' && identifierWord.test(details.name) ? details.name : typeof error
  const name = systemCode ?? className
  const message = typeof details.message === 'string' ? details.message.trim() : ''
  const quoted = plainMessage.test(message) ? `: ${message}` : ''
  return { kind: 'transient', code: undefined, name, summary: `the insert failed (${name})${quoted}` }
}

function clickHouseCodeOf(error: unknown): number | undefined {
  // The error itself, then its causes (a wrapper keeps the engine's error as `cause`), a few deep.
  let current: unknown = error
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const details = current as { clickhouseCode?: unknown; code?: unknown; message?: unknown; cause?: unknown }
    if (typeof details.clickhouseCode === 'number' && Number.isInteger(details.clickhouseCode)) return details.clickhouseCode
    if (typeof details.code === 'string' && /^\d{1,5}$/.test(details.code)) return Number(details.code)
    if (typeof details.message === 'string') {
      const match = leadingCode.exec(details.message)
      if (match?.[1] !== undefined) return Number(match[1])
    }
    current = details.cause
  }
  return undefined
}

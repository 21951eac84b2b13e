/*
 * Unix-nanosecond times are uint64: up to 1.8e19, beyond a double's exact range (2^53).
 * They are carried as whole seconds plus nanoseconds, two numbers that are both exact, so
 * timestamps and durations never go through a float that rounds them.
 */

const nanosPerSecond = 1_000_000_000
const twoTo32 = 4_294_967_296
// 2^32 and 2^48 modulo 1e9, to take the remainder of a 64-bit value in exact arithmetic.
const twoTo32ModBillion = 294_967_296
const twoTo48ModBillion = 976_710_656
const maxExactDurationSeconds = 9_007_198

/** The nanoseconds within the second (0..999 999 999) of a uint64 given as 32-bit halves. */
export function nanosOfSecond(low: number, high: number): number {
  // Every partial product stays below 2^53, so the remainder is exact.
  return ((high >>> 16) * twoTo48ModBillion + (high & 0xffff) * twoTo32ModBillion + low) % nanosPerSecond
}

/** The whole seconds of a uint64 nanosecond count given as 32-bit halves. */
export function wholeSeconds(low: number, high: number, nanos: number): number {
  // The sum may round by up to 1024 ns, far less than the half second that Math.round forgives.
  return Math.round((high * twoTo32 + (low - nanos)) / nanosPerSecond)
}

/*
 * Which times `otel_traces` stores and reads back exactly, found by inserting texts into
 * the real engine (chdb 26.7, and the same with date_time_input_format basic, best_effort
 * and best_effort_us; chdb's default is best_effort):
 * - "<seconds>.<9 digits>" with 10-digit seconds is read as Unix time in every mode.
 * - Shorter second counts are not: best_effort takes 1-8 digits for a date (YYYYMMDD ...)
 *   and refuses the insert ("unexpected point symbol", "decimal digits after day of
 *   month"), and one refused row refuses the whole batch. Zero-padded to 10 digits they
 *   read as Unix time in every mode ("0000000001.000000000" is 1970-01-01 00:00:01), so
 *   seconds below 10^9 (before 2001-09-09) are padded.
 * - DateTime64(9) itself holds Int64 nanoseconds: up to 9223372036.854775807 (2262);
 *   past it the insert fails with DECIMAL_OVERFLOW. But the primary key orders by
 *   toDateTime(Timestamp), a UInt32 that wraps past 4294967295 (2106-02-07 06:28:15 UTC:
 *   4294967296 reads back as 0), and otel_traces_trace_id_ts keeps DateTime too. So the
 *   last storable second is 4294967295.
 * - 0 is the proto3 default: a time that was never set, not the Unix epoch.
 */
const maxStorableSeconds = 4_294_967_295
const tenDigitSeconds = 1_000_000_000

/** Why a Unix time cannot be stored in `otel_traces` (to follow the field's name), or undefined when it can. */
export function unixTimeProblem(seconds: number, nanos: number): string | undefined {
  if (seconds > maxStorableSeconds) return 'is after 2106-02-07T06:28:15.999999999Z, the last time the table stores'
  if (seconds === 0 && nanos === 0) return 'is missing (0)'
  return undefined
}

/**
 * `"<seconds>.<9 digits>"`, the form ClickHouse reads into DateTime64(9) in any timezone,
 * seconds padded to 10 digits (see above). Only for times unixTimeProblem lets through.
 */
export function timestampText(seconds: number, nanos: number): string {
  const digits = String(nanos)
  const fraction = `${'000000000'.slice(digits.length)}${digits}`
  if (seconds >= tenDigitSeconds) return `${seconds}.${fraction}`
  const secondDigits = String(seconds)
  return `${'0000000000'.slice(secondDigits.length)}${secondDigits}.${fraction}`
}

/** End minus start in nanoseconds as a decimal string, '0' when the span ends before it starts. */
export function durationText(startSeconds: number, startNanos: number, endSeconds: number, endNanos: number): string {
  const seconds = endSeconds - startSeconds
  if (seconds < 0 || (seconds === 0 && endNanos < startNanos)) return '0'
  if (seconds < maxExactDurationSeconds) return String(seconds * nanosPerSecond + (endNanos - startNanos))
  return (BigInt(seconds) * 1_000_000_000n + BigInt(endNanos - startNanos)).toString()
}

const decimalDigits = /^[0-9]{1,20}$/
const maxUint64Text = '18446744073709551615'

/**
 * Seconds and nanoseconds of a uint64 nanosecond count written as decimal text (OTLP/JSON),
 * or undefined when the text is not an unsigned 64-bit integer.
 */
export function splitUnixNanosText(text: string): [seconds: number, nanos: number] | undefined {
  if (!decimalDigits.test(text)) return undefined
  if (text.length === 20 && text > maxUint64Text) return undefined
  if (text.length <= 9) return [0, Number(text)]
  return [Number(text.slice(0, -9)), Number(text.slice(-9))]
}

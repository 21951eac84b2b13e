/** pico-USD to the nano-USD Redis counts in, rounded up: a call is never counted for less than it costs. */
export function nanoOf(units: bigint): number {
  return Number((units + 999n) / 1_000n)
}

export function picoOf(nano: number): bigint {
  return BigInt(Math.max(0, Math.trunc(nano))) * 1_000n
}

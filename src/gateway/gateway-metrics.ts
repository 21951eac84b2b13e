/** Endpoints counted by name; any other path counts as `other`, so labels stay a fixed set. */
export const countedEndpoints = ['/v1/chat/completions', '/v1/messages', '/v1/embeddings', '/v1/models', 'other'] as const
export type GatewayEndpoint = (typeof countedEndpoints)[number]

/**
 * The gateway's own counters for `/metrics`, beside the collector's: answers by
 * endpoint and status, requests in flight, refusals by code, reloads by outcome.
 * Labels come from fixed sets (endpoints, HTTP statuses, error codes), never from input.
 */
export class GatewayMetrics {
  readonly #answers = new Map<string, number>()
  readonly #refusals = new Map<string, number>()
  readonly #reloads = { ok: 0, failed: 0 }
  inFlight = 0

  countAnswer(endpoint: GatewayEndpoint, status: number): void {
    const key = `endpoint="${endpoint}",status="${status}"`
    this.#answers.set(key, (this.#answers.get(key) ?? 0) + 1)
  }

  countRefusal(code: string): void {
    this.#refusals.set(code, (this.#refusals.get(code) ?? 0) + 1)
  }

  countReload(ok: boolean): void {
    if (ok) this.#reloads.ok += 1
    else this.#reloads.failed += 1
  }

  /** Prometheus text exposition of the counters. */
  render(): string {
    const lines = [
      '# HELP switchyard_gateway_requests_total Answers the gateway gave, by endpoint and HTTP status.',
      '# TYPE switchyard_gateway_requests_total counter',
      ...[...this.#answers].map(([labels, count]) => `switchyard_gateway_requests_total{${labels}} ${count}`),
      '# HELP switchyard_gateway_requests_in_flight Requests being served now.',
      '# TYPE switchyard_gateway_requests_in_flight gauge',
      `switchyard_gateway_requests_in_flight ${this.inFlight}`,
      '# HELP switchyard_gateway_refusals_total Requests refused or failed, by error code.',
      '# TYPE switchyard_gateway_refusals_total counter',
      ...[...this.#refusals].map(([code, count]) => `switchyard_gateway_refusals_total{code="${code}"} ${count}`),
      '# HELP switchyard_gateway_reloads_total Config reloads, by outcome.',
      '# TYPE switchyard_gateway_reloads_total counter',
      `switchyard_gateway_reloads_total{outcome="ok"} ${this.#reloads.ok}`,
      `switchyard_gateway_reloads_total{outcome="failed"} ${this.#reloads.failed}`,
    ]
    return `${lines.join('\n')}\n`
  }
}

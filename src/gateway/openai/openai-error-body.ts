import type { GatewayError } from '../gateway-error.js'

/** OpenAI's error `type` for a status, as its API and SDKs use them. */
function errorType(error: GatewayError): string {
  if (error.code === 'budget_exceeded') return 'insufficient_quota'
  switch (error.status) {
    case 401:
      return 'authentication_error'
    case 403:
      return 'permission_error'
    case 404:
    case 400:
    case 405:
    case 413:
      return 'invalid_request_error'
    case 429:
      return 'rate_limit_error'
    default:
      return error.status >= 500 ? 'server_error' : 'invalid_request_error'
  }
}

/** A gateway refusal or failure as OpenAI's `{ error: { message, type, param, code } }`. */
export function openAIErrorBody(error: GatewayError): { error: { message: string; type: string; param: string | null; code: string } } {
  return { error: { message: error.message, type: errorType(error), param: error.param ?? null, code: error.code } }
}

import type { ProviderRequest } from '../providers/provider.js'
import { estimatePromptTokens } from './context-window.js'
import { refuseUnsupportedRoute, withoutUnsupported } from './request-support.js'
import type { RoutedOperation } from './routed-operation.js'

/** Routing a chat request (plain or streamed): features some targets lack, prompt estimate, `maxTokens`. */
export const chatOperation: RoutedOperation<ProviderRequest> = {
  name: 'chat',
  refuseUnsupported: (_routeName, route, providers, request) => refuseUnsupportedRoute(route, providers, request),
  withoutUnsupported,
  promptTokens: estimatePromptTokens,
  maxTokens: (request) => request.maxTokens,
  spanRequest: (request) => request,
  dimensions: () => undefined,
}

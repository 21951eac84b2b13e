import type { ModelCallRequest } from '../model-call/model-call-request.js'
import { parseDataUrl } from './data-url.js'

/** What kinds of image the request's user messages carry: by URL, as base64 data (`data:` URLs), both or neither. */
export function requestImages(request: Pick<ModelCallRequest, 'messages'>): { url: boolean; data: boolean } {
  const found = { url: false, data: false }
  for (const message of request.messages) {
    if (message.role !== 'user' || typeof message.content === 'string') continue
    for (const part of message.content) {
      if (part.type !== 'image_url') continue
      if (parseDataUrl(part.imageUrl) === undefined) found.url = true
      else found.data = true
    }
  }
  return found
}

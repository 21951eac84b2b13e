/** One part of a user message: text, or an image by URL (a `data:` URL carries the bytes). */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; imageUrl: string }

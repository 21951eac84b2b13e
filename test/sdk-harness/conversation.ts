import type { ChatMessage } from '../../src/model-call/chat-message.js'
import type { ToolDefinition } from '../../src/model-call/tool-definition.js'

/*
 * The one conversation every format of the harness sends: a system prompt, a user
 * question, and a tool loop of three turns with two different tools (the model asks
 * for the weather, then for the local time, then answers in text). Each test sends it
 * through the official SDK in that SDK's own request shape and through switchyard in
 * its OpenAI-like shape, and the wire of both is compared.
 */

export const systemPrompt = 'You plan trips. Use the tools rather than guessing.'
export const userQuestion = 'Is it warm in Lisbon right now, and what time is it there?'

export const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' } },
  required: ['city'],
  additionalProperties: false,
}

export const timeParameters = {
  type: 'object',
  properties: { timezone: { type: 'string', description: 'IANA time zone' } },
  required: ['timezone'],
  additionalProperties: false,
}

export const tools: ToolDefinition[] = [
  { name: 'get_weather', description: 'Current weather of a city', parameters: weatherParameters },
  { name: 'get_local_time', description: 'Local time in a time zone', parameters: timeParameters },
]

/** What the two tools return, as the JSON text a tool message carries. */
export const weatherResult = '{"temperature_c":21,"sky":"clear"}'
export const timeResult = '{"time":"18:42"}'

/** The model's final answer of turn three, in every fixture. */
export const finalText = 'Yes: 21 °C and clear in Lisbon, where it is 18:42.'

export const maxTokens = 512
export const temperature = 0.2

/** The first request of the loop, in switchyard's shape. */
export function openingMessages(): ChatMessage[] {
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: userQuestion },
  ]
}

/** The tool result switchyard's caller sends back for a call to `name`. */
export function toolResultFor(name: string): string {
  if (name === 'get_weather') return weatherResult
  if (name === 'get_local_time') return timeResult
  throw new Error(`the harness has no tool named ${name}`)
}

/** The structured-output case: the schema the answer must follow. */
export const weatherReport = {
  name: 'weather_report',
  schema: {
    type: 'object',
    properties: { city: { type: 'string' }, temperature_c: { type: 'number' }, sky: { type: 'string' } },
    required: ['city', 'temperature_c', 'sky'],
    additionalProperties: false,
  },
}
export const structuredQuestion = 'Report the weather in Lisbon as JSON.'
/** The JSON text every structured answer carries. */
export const structuredText = '{"city":"Lisbon","temperature_c":21,"sky":"clear"}'

/** The reasoning case's question and answer. */
export const reasoningQuestion = 'Which tram reaches the castle first if I leave at 18:50?'
export const reasoningText = 'Take the 18:55 tram 28; it arrives at 19:09.'

/** The image case: one image by URL and one by bytes (a 1×1 PNG as a data URL). */
export const imageQuestion = 'What is in these two pictures?'
export const imageUrl = 'https://upload.example.org/lisbon/tram-28.jpg'
export const imageBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
export const imageDataUrl = `data:image/png;base64,${imageBase64}`
export const imageText = 'A yellow tram on a steep street, and a single white pixel.'

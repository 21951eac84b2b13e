/**
 * What shape the answer's text must have: JSON valid against a schema (the
 * provider constrains decoding to it where it can), or any JSON object. The
 * result's `text` is then the JSON.
 */
export type ResponseFormat =
  | {
      type: 'json_schema'
      /** The schema's name; OpenAI requires one (letters, digits, `_` and `-`). */
      name: string
      /** JSON Schema of the answer. */
      schema: Record<string, unknown>
      /** Ask for strict schema adherence where the provider distinguishes it (OpenAI). */
      strict?: boolean
    }
  | { type: 'json_object' }

/** A tool the model may call. */
export interface ToolDefinition {
  name: string
  description?: string
  /** JSON Schema of the parameters. */
  parameters: Record<string, unknown>
}

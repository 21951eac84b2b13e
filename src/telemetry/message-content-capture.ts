let processDefault = false

/**
 * Whether routers and instrumented clients that leave `captureMessageContent` unset
 * record prompt and completion text. Off unless an entry point turned it on:
 * `startTelemetry()` sets it from `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`
 * (the GenAI conventions' opt-in), so the library itself never reads the
 * environment, and a router's own option always wins.
 */
export function messageContentCaptureDefault(): boolean {
  return processDefault
}

/** Set by entry points only (startTelemetry, the CLI). */
export function setMessageContentCaptureDefault(capture: boolean): void {
  processDefault = capture
}

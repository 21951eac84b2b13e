import type { Usage } from './usage.js'

/** What a stream delivered before it failed: the text so far, and the usage if any was reported. */
export interface PartialOutput {
  text: string
  usage?: Usage
}

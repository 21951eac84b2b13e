import OpenAI from 'openai'
import { Stream } from 'openai/streaming'
import OpenAIv5 from 'openai-v5'
import { Stream as StreamV5 } from 'openai-v5/streaming'

/** One major version of the official `openai` SDK, as the wrap tests drive it. */
export interface OpenAiSdk {
  /** The major version, as the client reports it in `x-stainless-package-version`. */
  major: number
  OpenAI: typeof OpenAI
  Stream: typeof Stream
}

/**
 * The `openai` majors that `instrument()` supports, each installed as itself
 * (`openai-v5` is `npm:openai@^5`), so one test body runs against each. v5 is
 * typed as v6 here because the tests call only the surface the two share; the
 * v5 types of a wrapped client are compiled in `types-fixture.ts`.
 */
export const openaiSdks: OpenAiSdk[] = [
  { major: 6, OpenAI, Stream },
  { major: 5, OpenAI: OpenAIv5 as unknown as typeof OpenAI, Stream: StreamV5 as unknown as typeof Stream },
]

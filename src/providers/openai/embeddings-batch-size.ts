/**
 * The transport reads at most 32 MiB of an answer (http-transport.ts): each
 * batch's answer is kept to 24 MiB, leaving room for the envelope.
 */
const answerBudgetBytes = 24 * 1024 * 1024
/**
 * Bytes one number takes in a float answer: OpenAI pretty-prints one per line,
 * `        -0.006929283495992422,\n`, about 30 bytes.
 */
const bytesPerNumber = 32
/** Vector sizes of OpenAI's models; any other model is taken to be as wide as the widest. */
const knownDimensions: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
}
const widestDimensions = 3072

/**
 * Most inputs in one `POST /embeddings` whose float answer stays within the
 * transport's bound on a response: 2048 inputs of text-embedding-3-large would
 * answer about 200 MB, which no bound should admit, so such a request is sent in
 * batches (512 inputs a call for text-embedding-3-small, 256 for -large, more
 * with a smaller `dimensions`).
 */
export function embeddingsBatchSize(model: string, dimensions: number | undefined): number {
  const width = dimensions ?? knownDimensions[model] ?? widestDimensions
  return Math.max(1, Math.floor(answerBudgetBytes / (width * bytesPerNumber)))
}

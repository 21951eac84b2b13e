/** How much of a rejected value a message shows. */
const maxQuotedLength = 40

/**
 * A value from a request or a command line as it reads in an error message: JSON
 * quoted (so control characters arrive escaped) and cut to 40 characters, so a
 * megabyte of bad input makes a short message rather than a megabyte of answer.
 */
export function quoteInput(text: string): string {
  return JSON.stringify(text.length > maxQuotedLength ? `${text.slice(0, maxQuotedLength)}...` : text)
}

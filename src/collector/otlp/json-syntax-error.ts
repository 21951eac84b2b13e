/** Where a text stops being JSON, and what is wrong there, in words that quote nothing of it. */
export interface JsonSyntaxError {
  /** Index into the text (UTF-16 units, the position JSON.parse counts in). */
  position: number
  problem: string
}

const space = 0x20
const tab = 0x09
const newline = 0x0a
const carriageReturn = 0x0d
const quote = 0x22
const backslash = 0x5c
const comma = 0x2c
const colon = 0x3a
const minus = 0x2d
const plus = 0x2b
const dot = 0x2e
const zero = 0x30
const nine = 0x39
const openBracket = 0x5b
const closeBracket = 0x5d
const openBrace = 0x7b
const closeBrace = 0x7d
const inArray = 0
const inObject = 1

class SyntaxStop {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {}
}

/**
 * Finds the first syntax error in a text that JSON.parse refused, the way JSON.parse reads
 * it (RFC 8259: whitespace is space, tab, CR and LF only). It exists so an error answer can
 * name a position without body content: V8's own messages quote the text around the error
 * (`Unexpected token 'x', "{"secret": ..." is not valid JSON`), and a body may hold anyone's
 * prompt. Iterative, so deep nesting costs no stack; runs only after a parse has failed.
 * Undefined when the text is valid JSON.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    scanJson(text)
    return undefined
  } catch (error) {
    if (error instanceof SyntaxStop) return { position: error.position, problem: error.problem }
    throw error
  }
}

function scanJson(text: string): void {
  const length = text.length
  const open: number[] = []
  let position = skipWhitespace(text, 0)
  let expectValue = true
  for (;;) {
    if (expectValue) {
      if (position >= length) throw new SyntaxStop(position, 'unexpected end of input')
      const char = text.charCodeAt(position)
      if (char === openBrace || char === openBracket) {
        position = skipWhitespace(text, position + 1)
        const closing = char === openBrace ? closeBrace : closeBracket
        if (position < length && text.charCodeAt(position) === closing) {
          position++
          expectValue = false
        } else {
          open.push(char === openBrace ? inObject : inArray)
          if (char === openBrace) position = scanKey(text, position)
        }
        continue
      }
      position = scanScalar(text, position)
      expectValue = false
      continue
    }
    position = skipWhitespace(text, position)
    if (open.length === 0) {
      if (position < length) throw new SyntaxStop(position, 'unexpected character after the JSON value')
      return
    }
    if (position >= length) throw new SyntaxStop(position, 'unexpected end of input')
    const container = open[open.length - 1]
    const char = text.charCodeAt(position)
    if (char === comma) {
      position = skipWhitespace(text, position + 1)
      if (container === inObject) position = scanKey(text, position)
      expectValue = true
    } else if (char === (container === inObject ? closeBrace : closeBracket)) {
      open.pop()
      position++
    } else {
      throw new SyntaxStop(position, container === inObject ? "expected ',' or '}' after a property value" : "expected ',' or ']' after an array element")
    }
  }
}

/** A property name and its colon; returns where the value starts. */
function scanKey(text: string, position: number): number {
  if (position >= text.length) throw new SyntaxStop(position, 'unexpected end of input')
  if (text.charCodeAt(position) !== quote) throw new SyntaxStop(position, 'expected a property name in double quotes')
  const afterName = skipWhitespace(text, scanString(text, position))
  if (afterName >= text.length) throw new SyntaxStop(afterName, 'unexpected end of input')
  if (text.charCodeAt(afterName) !== colon) throw new SyntaxStop(afterName, "expected ':' after a property name")
  return skipWhitespace(text, afterName + 1)
}

function scanScalar(text: string, position: number): number {
  const char = text.charCodeAt(position)
  if (char === quote) return scanString(text, position)
  if (char === minus || (char >= zero && char <= nine)) return scanNumber(text, position)
  for (const literal of ['true', 'false', 'null']) {
    if (char !== literal.charCodeAt(0)) continue
    for (let index = 1; index < literal.length; index++) {
      if (position + index >= text.length) throw new SyntaxStop(position + index, 'unexpected end of input')
      if (text.charCodeAt(position + index) !== literal.charCodeAt(index)) throw new SyntaxStop(position + index, 'unexpected character in a literal')
    }
    return position + literal.length
  }
  throw new SyntaxStop(position, 'unexpected character where a value should start')
}

/** A string starting at its opening quote; returns the position after its closing quote. */
function scanString(text: string, position: number): number {
  const length = text.length
  let index = position + 1
  while (index < length) {
    const char = text.charCodeAt(index)
    if (char === quote) return index + 1
    if (char < space) throw new SyntaxStop(index, 'control character in a string')
    if (char !== backslash) {
      index++
      continue
    }
    if (index + 1 >= length) break
    const escaped = text[index + 1]!
    if (escaped === 'u') {
      for (let digit = index + 2; digit < index + 6; digit++) {
        if (digit >= length) throw new SyntaxStop(digit, 'unexpected end of input')
        if (!/[0-9a-fA-F]/.test(text[digit]!)) throw new SyntaxStop(digit, 'bad \\u escape in a string')
      }
      index += 6
    } else if ('"\\/bfnrt'.includes(escaped)) {
      index += 2
    } else {
      throw new SyntaxStop(index + 1, 'bad escape in a string')
    }
  }
  throw new SyntaxStop(length, 'unterminated string')
}

function scanNumber(text: string, position: number): number {
  let index = position
  if (text.charCodeAt(index) === minus) index++
  if (text.charCodeAt(index) === zero) index++
  else if (isDigit(text, index)) index = skipDigits(text, index)
  else throw new SyntaxStop(index, index >= text.length ? 'unexpected end of input' : 'no digit in a number')
  if (text.charCodeAt(index) === dot) {
    if (!isDigit(text, index + 1)) throw new SyntaxStop(index + 1, index + 1 >= text.length ? 'unexpected end of input' : 'no digit after a decimal point')
    index = skipDigits(text, index + 1)
  }
  const exponent = text.charCodeAt(index)
  if (exponent === 0x65 || exponent === 0x45) {
    index++
    const sign = text.charCodeAt(index)
    if (sign === plus || sign === minus) index++
    if (!isDigit(text, index)) throw new SyntaxStop(index, index >= text.length ? 'unexpected end of input' : 'no digit in an exponent')
    index = skipDigits(text, index)
  }
  return index
}

function isDigit(text: string, index: number): boolean {
  const char = text.charCodeAt(index)
  return char >= zero && char <= nine
}

function skipDigits(text: string, index: number): number {
  while (isDigit(text, index)) index++
  return index
}

function skipWhitespace(text: string, position: number): number {
  let index = position
  for (;;) {
    const char = text.charCodeAt(index)
    if (char !== space && char !== tab && char !== newline && char !== carriageReturn) return index
    index++
  }
}

/** Keeps API keys out of everything the package hands back: errors, audit records, retry events. */

const REDACTED = '[redacted]'

/** Replaces every occurrence of each secret in a string. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret.length >= 4 ? out.split(secret).join(REDACTED) : out), text)
}

/** `redact` over the JSON form of a value (API keys are plain ASCII, so they appear verbatim in JSON). */
export function redactValue<T>(value: T, secrets: readonly string[]): T {
  if (value === undefined) return value
  const json = JSON.stringify(value)
  const clean = redact(json, secrets)
  return clean === json ? value : (JSON.parse(clean) as T)
}

/** The URL for messages: without user, password or query string, which may carry credentials. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    parsed.search = ''
    return parsed.toString()
  } catch {
    return '(invalid URL)'
  }
}

/** Parts of a URL that may be credentials (password, query string), to redact wherever they show up. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url)
    return [parsed.password, parsed.search.slice(1)].filter((part) => part.length > 0)
  } catch {
    return []
  }
}

/** Redacts an error's message and stack, and its cause's, in place; returns it. */
export function scrubError<T>(error: T, secrets: readonly string[]): T {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const message = redact(current.message, secrets)
    if (message !== current.message) current.message = message
    if (current.stack) current.stack = redact(current.stack, secrets)
  }
  return error
}

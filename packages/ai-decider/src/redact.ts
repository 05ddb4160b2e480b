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

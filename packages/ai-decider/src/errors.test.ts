import { describe, expect, it } from 'vitest'
import * as api from './index.js'

// Every error class the package exports, built with minimal arguments.
const errorClasses = Object.entries(api).filter(
  ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
) as [string, new (...args: never[]) => api.DeciderError][]

function build(Class: new (...args: never[]) => api.DeciderError): api.DeciderError {
  const construct = Class as unknown as new (
    message: string,
    options: Record<string, unknown>,
    extra?: unknown,
  ) => api.DeciderError
  return construct === (api.AllDecidersFailedError as unknown)
    ? new api.AllDecidersFailedError('m', [])
    : new construct('m', { provider: 'p', issues: [], key: 'k' })
}

describe('errors', () => {
  it('every exported error extends DeciderError, carries a literal name equal to its class name and a code', () => {
    expect(errorClasses.length).toBeGreaterThanOrEqual(16)
    for (const [exportName, Class] of errorClasses) {
      const error = build(Class)
      expect(error).toBeInstanceOf(api.DeciderError)
      expect(error.name).toBe(exportName)
      expect(typeof error.code).toBe('string')
    }
  })

  it('isDeciderError knows every class by name, as when the package is loaded twice', () => {
    for (const [exportName] of errorClasses) {
      const foreign = Object.assign(new Error('from another copy'), { name: exportName, code: 'x' })
      expect(api.isDeciderError(foreign), exportName).toBe(true)
    }
    expect(api.isDeciderError(Object.assign(new Error('x'), { name: 'TypeError', code: 'x' }))).toBe(false)
    expect(api.isDeciderError(new Error('plain'))).toBe(false)
  })

  it('toJSON keeps the cause chain but nothing but name and message of foreign causes', () => {
    const cause = Object.assign(new Error('socket hang up'), { config: { headers: { authorization: 'Bearer secret' } } })
    const error = new api.NetworkError('could not reach', { provider: 'openai', cause })
    expect(JSON.stringify(error)).not.toContain('secret')
    expect(error.toJSON()).toMatchObject({
      name: 'NetworkError',
      code: 'network',
      cause: { name: 'Error', message: 'socket hang up' },
    })
  })
})

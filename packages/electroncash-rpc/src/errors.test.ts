import { describe, expect, it } from 'vitest'
import { AmountError, ElectronCashError, isElectronCashError } from './errors.js'

describe('ElectronCashError', () => {
  it('chains the cause and keeps a stable code', () => {
    const cause = new Error('boom')
    const error = new ElectronCashError('failed', { code: 'x', cause })
    expect(error.cause).toBe(cause)
    expect(error.code).toBe('x')
    expect(error.toJSON()).toEqual({
      name: 'ElectronCashError',
      code: 'x',
      message: 'failed',
      cause: { name: 'Error', message: 'boom' },
    })
  })

  it('AmountError carries a literal name, the amount code and the rejected value', () => {
    const error = new AmountError('"x" is not a decimal BCH amount', { value: 'x' })
    expect(error).toBeInstanceOf(ElectronCashError)
    expect(error.name).toBe('AmountError')
    expect(error.code).toBe('amount')
    expect(error.value).toBe('x')
  })

  it('isElectronCashError recognises errors by name across package copies', () => {
    const foreign = Object.assign(new Error('x'), { name: 'AmountError', code: 'amount' })
    expect(isElectronCashError(foreign)).toBe(true)
    expect(isElectronCashError(new Error('x'))).toBe(false)
    expect(isElectronCashError(new AmountError('y', { value: 1 }))).toBe(true)
  })
})

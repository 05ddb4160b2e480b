import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'
import { assertLiveAllowed } from './live-gate.js'

const keys = { UPBIT_ACCESS_KEY: 'access-key-1', UPBIT_SECRET_KEY: 'secret-key-live-77' }

function attempt(env: NodeJS.ProcessEnv, live: boolean): Error | undefined {
  const { config, secrets } = loadConfig({ env })
  try {
    assertLiveAllowed(config, secrets, { live })
    return undefined
  } catch (error) {
    return error as Error
  }
}

describe('live mode gate', () => {
  it('live refuses without --live even with keys and limits', () => {
    const error = attempt({ BOT_MODE: 'live', BOT_RISK_LIMITS_FILE: 'limits.json', ...keys }, false)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error!.message).toContain('--live')
    expect(error!.message).not.toContain('UPBIT_ACCESS_KEY')
  })

  it('live refuses without keys and names every missing piece, never the secret', () => {
    const error = attempt({ BOT_MODE: 'live' }, true)
    expect(error!.message).toMatch(/UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, a risk-limits file/)
    const withKeys = attempt({ BOT_MODE: 'live', ...keys }, true)
    expect(withKeys!.message).toContain('risk-limits file')
    expect(withKeys!.message).not.toContain('secret-key-live-77')
  })

  it('live starts only with keys, --live and a risk-limits file', () => {
    expect(attempt({ BOT_MODE: 'live', BOT_RISK_LIMITS_FILE: 'limits.json', ...keys }, true)).toBeUndefined()
  })

  it('--live without live mode is refused rather than silently paper trading', () => {
    expect(attempt({}, true)!.message).toMatch(/--live was given but mode is "paper"/)
  })

  it('paper mode needs nothing', () => {
    expect(attempt({}, false)).toBeUndefined()
  })
})

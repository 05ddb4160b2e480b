import type { BotConfig, BotSecrets } from './config.js'
import { ConfigError } from './config.js'

/**
 * Live trading uses real money, so it needs three separate, deliberate acts: Upbit keys in the environment,
 * `--live` on the command line, and a risk-limits file. Missing any one refuses to start, naming all that
 * are missing so the operator fixes them in one go.
 */
export function assertLiveAllowed(config: BotConfig, secrets: BotSecrets, flags: { live: boolean }): void {
  if (config.mode !== 'live') {
    if (flags.live)
      throw new ConfigError('--live was given but mode is "paper": set BOT_MODE=live (or "mode": "live") too', 'mode')
    return
  }
  const missing: string[] = []
  if (!flags.live) missing.push('the --live flag')
  if (!secrets.upbitAccessKey || !secrets.upbitSecretKey) missing.push('UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY')
  if (!config.riskLimitsFile) missing.push('a risk-limits file (BOT_RISK_LIMITS_FILE or "riskLimitsFile")')
  if (missing.length > 0) {
    throw new ConfigError(`live mode refused: it trades real money and needs ${missing.join(', ')}`, 'mode')
  }
}

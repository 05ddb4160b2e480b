/** Service endpoints: wallet status and API keys. */
import { z } from 'zod'
import type { CallOptions } from '../orders.js'
import { type ApiKeyInfo, apiKeySchema, type WalletStatus, walletStatusSchema } from '../schemas.js'
import type { ApiContext } from './context.js'

const walletStatusList = z.array(walletStatusSchema)
const apiKeyList = z.array(apiKeySchema)

export function serviceApi({ exchange }: ApiContext) {
  return {
    /** GET /status/wallet (needs keys). `block_height` is a number (a string before SDK 1.2; both accepted). */
    getWalletStatus: (o?: CallOptions): Promise<WalletStatus[]> =>
      exchange('GET', '/v1/status/wallet', undefined, walletStatusList, o),
    /** GET /api_keys (KR only). */
    getApiKeys: (o?: CallOptions): Promise<ApiKeyInfo[]> => exchange('GET', '/v1/api_keys', undefined, apiKeyList, o),
  }
}

export type ServiceApi = ReturnType<typeof serviceApi>

/** The `electroncash-rpc` CLI's exit codes, distinct per outcome so scripts and container health checks can tell them apart. */
export const EXIT = {
  /** health: an endpoint is up; wait: ready; call: answered. */
  ok: 0,
  /** health: every endpoint is down; wait: gave up while the daemon did not answer; call: failed. */
  down: 1,
  /** Bad arguments or configuration (no URL, no credentials, unknown command or option). */
  usage: 2,
  /** health: the best endpoint answers but is not ready as configured (busy, no wallet, offline when the network is expected); wait: gave up in that state. */
  degraded: 3,
} as const

// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': (m) => assert.equal(m.toRpcAmount(29_000_000n), '0.29'),
}

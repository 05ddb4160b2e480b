// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': (m) => assert.equal(m.toDecimalString(1e-7), '0.0000001'),
}

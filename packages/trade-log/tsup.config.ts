import { defineConfig, type Options } from 'tsup'

const shared: Options = {
  entry: ['src/index.ts', 'src/cli.ts', 'src/postgres.ts', 'src/performance-read-worker.ts'],
  dts: true,
  sourcemap: true,
  target: 'node20',
}

export default defineConfig([
  { ...shared, format: 'esm' },
  // ESM-only dependencies are inlined into the CommonJS build: require() of them breaks at run time.
  { ...shared, format: 'cjs', noExternal: ['p-retry'] },
])

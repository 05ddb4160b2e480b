// pnpm passes its configuration to scripts as npm_config_* variables (and adds npm_package_*, npm_lifecycle_*,
// PNPM_*). npm reads npm_config_* too and prints "npm warn Unknown env config" for each one it does not know, so
// npm and npx started from a pnpm script get an environment without them.
export function cleanEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(?:npm|pnpm)_/i.test(name)))
}

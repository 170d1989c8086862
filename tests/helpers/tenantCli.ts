import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { resolve } from "node:path";
import { ONE_SHOT_NODE_ARGS } from "../../lib/typescriptNode";

const ROOT = resolve(__dirname, "../..");

/**
 * `npm run tenant` as an operator runs it, in a fresh process on the offline engine with its
 * stacks under `stateDir`; `env` is added to (and overrides) this process's environment.
 */
export function offlineTenantCli(
  stateDir: string,
  env: NodeJS.ProcessEnv = {},
): (...args: string[]) => SpawnSyncReturns<string> {
  return (...args) =>
    spawnSync(
      process.execPath,
      [...ONE_SHOT_NODE_ARGS, "scripts/tenant.ts", ...args, "--engine", "offline", "--state-dir", stateDir],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } },
    );
}

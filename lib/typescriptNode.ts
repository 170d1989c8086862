/** Node's arguments for running one of this repository's TypeScript files in a process of its own. */
import { resolve } from "node:path";

/** Registers lib/register-typescript.cjs (esbuild, no tsx: see why there). */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = [
  "--require",
  resolve(__dirname, "register-typescript.cjs"),
];

/**
 * `npm run synth -- ...`: see synth/cli.ts.
 * Sets the exit code and lets the process end by itself: tsx writes its transform cache
 * asynchronously, and process.exit() here would leave it empty, so every run would transpile
 * every module again (~250 ms of esbuild for the largest tenant).
 */
import { synthMain } from "../synth/cli";

synthMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

/**
 * `npm run synth -- ...`: see synth/cli.ts.
 * Sets the exit code and lets the process end by itself, so whatever is still being written
 * (stdout to a pipe, the summary) is written whole.
 */
import { synthMain } from "../synth/cli";

synthMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

/**
 * `npm run synth -- ...`: see synth/cli.ts.
 * Sets the exit code and lets the process end by itself: tsx writes its transform cache
 * asynchronously, and process.exit() here would leave it empty, so every run would transpile
 * every module again (~250 ms of esbuild for the largest tenant).
 */
import { synthCommand, synthFailure } from "../synth/cli";

synthCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (failure: unknown) => {
    const { code, message } = synthFailure(failure);
    process.stderr.write(`${message}\n`);
    process.exitCode = code;
  },
);

/** `npm run synth -- ...`: see synth/cli.ts. */
import { synthCommand, synthFailure } from "../synth/cli";

synthCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (failure: unknown) => {
    const { code, message } = synthFailure(failure);
    process.stderr.write(`${message}\n`);
    process.exit(code);
  },
);

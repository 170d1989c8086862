/**
 * `npm run tenant -- ...`: see scripts/tenantCommand.ts (`npm run tenant -- --help`).
 * Exit codes are set, not exited with, so output still being written ends whole: see scripts/synth.ts.
 */
import { tenantMain } from "./tenantCommand";

tenantMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

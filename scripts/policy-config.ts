/**
 * Prints the policy pack config of a tenant stack, from its Pulumi.<stack>.yaml:
 *   npm run --silent policy:config -- --stack dev > policy-config.json
 *   pulumi preview --policy-pack policy --policy-pack-config policy-config.json
 * or, for a stack only the backend holds (made by the Automation API), from its config there:
 *   pulumi config --stack acme --json --show-secrets > acme.json
 *   npm run --silent policy:config -- --config-json acme.json
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { configValues } from "../automation/requestConfig";
import { packConfigFor } from "../policy/packConfig";
import { parseStackConfig, PROJECT } from "../stacks/config";
import { readStackConfig } from "../synth/stackConfig";

const { values } = parseArgs({ options: { stack: { type: "string" }, "config-json": { type: "string" } }, strict: true });
if (!values.stack && !values["config-json"]) {
  process.stderr.write("usage: policy-config --stack <name> | --config-json <pulumi config --json output>\n");
  process.exit(2);
}
const tenant = values["config-json"]
  ? parseStackConfig(configValues(JSON.parse(readFileSync(values["config-json"], "utf8")) as Record<string, { value: string }>))
  : parseStackConfig(readStackConfig(resolve(`Pulumi.${values.stack}.yaml`), PROJECT).config);
process.stdout.write(`${JSON.stringify(packConfigFor(tenant.tier, tenant.addOns, tenant.platform.domain), null, 2)}\n`);

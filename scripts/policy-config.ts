/**
 * Prints the policy pack config of a tenant stack, from its Pulumi.<stack>.yaml:
 *   npm run --silent policy:config -- --stack dev > policy-config.json
 *   pulumi preview --policy-pack policy --policy-pack-config policy-config.json
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { packConfigFor } from "../policy/packConfig";
import { parseStackConfig, PROJECT } from "../stacks/config";
import { readStackConfig } from "../synth/stackConfig";

const { values } = parseArgs({ options: { stack: { type: "string" } }, strict: true });
if (!values.stack) {
  process.stderr.write("usage: policy-config --stack <name>\n");
  process.exit(2);
}
const tenant = parseStackConfig(readStackConfig(resolve(`Pulumi.${values.stack}.yaml`), PROJECT).config);
process.stdout.write(`${JSON.stringify(packConfigFor(tenant.tier, tenant.addOns, tenant.platform.domain, tenant.tenantId), null, 2)}\n`);

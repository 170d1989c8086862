/**
 * One benchmark subject, run in a fresh process by bench/synth.bench.ts:
 *   synth <tier> <sites> <addOns JSON>   the real tenant program through the offline synth
 *   floor <n>                            @pulumi/pulumi registering n bare resources under mocks
 * Prints one JSON line: {resources, maxRssMb}.
 */
import * as pulumi from "@pulumi/pulumi";
import { withoutStackCapture } from "../synth/stackCapture";

/** The cheapest resource the runtime can register: a custom resource with one small input. */
class Bare extends pulumi.CustomResource {
  constructor(name: string, value: number) {
    super("bench:index:Bare", name, { value });
  }
}

async function floor(n: number): Promise<number> {
  let registered = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered += 1;
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "floor",
    "floor",
    false,
  );
  // Under the synth's own stack setting, so both measure the same runtime.
  await withoutStackCapture(async () => {
    await pulumi.runtime.runInPulumiStack(async () => {
      for (let i = 0; i < n - 1; i++) new Bare(`r${i}`, i);
      return {};
    });
    await pulumi.runtime.disconnect();
  });
  return registered;
}

async function synth(tier: string, sites: number, addOns: string): Promise<number> {
  const { shortcutConfig, synthTenant } = await import("../synth/programs");
  const { config } = shortcutConfig({ tenantId: "bench", tier, sites });
  const result = await synthTenant("bench", { config: { ...config, "tenant:addOns": addOns }, secretKeys: [] });
  return result.resources.length;
}

async function main(): Promise<void> {
  const [mode, a, b, c] = process.argv.slice(2);
  const resources = mode === "floor" ? await floor(Number(a)) : await synth(a!, Number(b), c ?? "{}");
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ resources, maxRssMb })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

/**
 * The benchmark's floor, run in a fresh process by bench/synth.bench.ts: loads @pulumi/pulumi
 * and registers <n> bare resources under the runtime's own mocks.
 * Usage: floorChild.ts <n>. Prints one JSON line: {resources, maxRssMb}.
 */
import * as pulumi from "@pulumi/pulumi";
import { withoutStackTraces } from "../synth/stackTraces";
import { reportChild } from "./childReport";

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
  // Under the synth's own stack-trace setting, so both measure the same runtime.
  await withoutStackTraces(async () => {
    await pulumi.runtime.runInPulumiStack(async () => {
      for (let i = 0; i < n - 1; i++) new Bare(`r${i}`, i);
      return {};
    });
    await pulumi.runtime.disconnect();
  });
  return registered;
}

reportChild(floor(Number(process.argv[2])));

/**
 * The benchmark's floor, run in a fresh process by bench/synth.bench.ts: loads @pulumi/pulumi
 * and registers <n> bare resources, one small input each, under the runtime's own mocks.
 * Usage: floorChild.ts <n>. Prints one JSON line: {resources, maxRssMb}.
 */
import * as pulumi from "@pulumi/pulumi";
import { withoutStackTraces } from "../synth/stackTraces";
import { Bare } from "./bare";
import { reportChild } from "./childReport";

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
      for (let i = 0; i < n - 1; i++) new Bare(`r${i}`, { value: i });
      return {};
    });
    await pulumi.runtime.disconnect();
  });
  return registered;
}

reportChild(floor(Number(process.argv[2])));

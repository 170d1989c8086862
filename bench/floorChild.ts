/**
 * The benchmark's floor, run in a fresh process by bench/synth.bench.ts: loads @pulumi/pulumi
 * and registers <n> bare resources under the runtime's own mocks.
 * Usage: floorChild.ts <n> [inputs.json]. By default each resource has one small input; with a
 * file written by synthChild.ts, resource i gets the synth's resource i's inputs instead (the
 * runtime's own cost for those inputs, with no program around them).
 * Prints one JSON line: {resources, maxRssMb}.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { withoutStackTraces } from "../synth/stackTraces";
import { reportChild } from "./childReport";

/** A custom resource with nothing around it: no component, no provider, no options. */
class Bare extends pulumi.CustomResource {
  constructor(name: string, inputs: pulumi.Inputs) {
    super("bench:index:Bare", name, inputs);
  }
}

async function floor(n: number, inputsFile: string | undefined): Promise<number> {
  const recorded = inputsFile ? (JSON.parse(readFileSync(inputsFile, "utf8")) as pulumi.Inputs[]) : undefined;
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
      for (let i = 0; i < n - 1; i++) new Bare(`r${i}`, recorded?.[i] ?? { value: i });
      return {};
    });
    await pulumi.runtime.disconnect();
  });
  return registered;
}

const [n, inputsFile] = process.argv.slice(2);
reportChild(floor(Number(n), inputsFile));

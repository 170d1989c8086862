/**
 * The benchmark's diagnostic subject, run in a fresh process: the floor's bare resources, each
 * carrying the synth's recorded inputs (resource i gets the synth's resource i's), registered
 * through the synth's own engine stand-in. Against the floor, it is what the runtime and the
 * engine cost for those inputs; against the synth, what the program itself costs (its modules,
 * components and SDK resource classes).
 * Usage: sameInputsChild.ts <n> <inputs.json>. Prints one JSON line: {resources, maxRssMb}.
 */
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { synthesize } from "../synth/engine";
import { Bare } from "./bare";
import { reportChild } from "./childReport";

async function sameInputs(n: number, inputsFile: string): Promise<number> {
  const recorded = JSON.parse(readFileSync(inputsFile, "utf8")) as pulumi.Inputs[];
  const result = await synthesize(
    async () => {
      for (let i = 0; i < n - 1; i++) new Bare(`r${i}`, recorded[i]!);
      return {};
    },
    { project: "floor", stack: "floor", config: {} },
  );
  return result.resources.length;
}

const [n, inputsFile] = process.argv.slice(2);
reportChild(sameInputs(Number(n), inputsFile!));

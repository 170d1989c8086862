import { vi } from "vitest";
import { tenantMain } from "../../scripts/tenantCommand";
import { synthMain } from "../../synth/cli";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npm run synth` or `npm run tenant` in this process, through the entry function its script
 * calls, capturing its output.
 */
export async function runCliInProcess(cli: "synth" | "tenant", args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation(
    (chunk: string | Uint8Array) => ((stdout += String(chunk)), true),
  );
  vi.spyOn(process.stderr, "write").mockImplementation(
    (chunk: string | Uint8Array) => ((stderr += String(chunk)), true),
  );
  try {
    const code = await (cli === "synth" ? synthMain : tenantMain)(args);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

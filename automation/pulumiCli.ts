import { execFileSync } from "node:child_process";

/** Whether a `pulumi` CLI is on PATH (the Automation API's LocalWorkspace needs one). */
export function hasPulumiCli(): boolean {
  try {
    execFileSync("pulumi", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

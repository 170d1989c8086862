/** The restore command's front: help, the --to forms it accepts, the tier read from the stack. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRestorePoint, restoreCommand, RestoreUsageError } from "../automation/restoreCommand";
import { MYSQL } from "./helpers/servers";

describe("restore command", () => {
  it("documents itself through npm run tenant -- restore --help", () => {
    const run = spawnSync("npx", ["tsx", "scripts/tenant.ts", "restore", "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run tenant -- restore <tenant> \[--to <timestamp>\]/);
    expect(run.stdout).toContain("swaps them in");
    expect(run.stdout).toContain("--binlog-server");
  });

  it("reads --to as UTC, with a zone or in the space form, and rejects anything else naming the option", () => {
    expect(parseRestorePoint("2026-11-30T14:05:09Z").toISOString()).toBe("2026-11-30T14:05:09.000Z");
    expect(parseRestorePoint("2026-11-30 14:05:09").toISOString()).toBe("2026-11-30T14:05:09.000Z");
    expect(parseRestorePoint("2026-11-30T16:05:09+02:00").toISOString()).toBe("2026-11-30T14:05:09.000Z");
    for (const bad of ["2026-11-30T14:05:09", "yesterday", "2026-13-40 99:00:00", ""]) {
      expect(() => parseRestorePoint(bad), bad).toThrow(RestoreUsageError);
      expect(() => parseRestorePoint(bad), bad).toThrow(/^--to: /);
    }
  });

  it("takes the tier from the tenant's stack and needs exactly one tenant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "restore-cmd-"));
    try {
      const asked: string[] = [];
      const deps = { mysql: MYSQL, tierOf: async (id: string) => (asked.push(id), "business" as const), out: () => undefined };
      await expect(restoreCommand([], deps)).rejects.toThrow(/expected one tenant id/);
      await expect(restoreCommand(["a", "b"], deps)).rejects.toThrow(/expected one tenant id/);
      // Business: point-in-time recovery, so the binlog archive's name is required.
      await expect(restoreCommand(["acme", "--backup-dir", dir], deps)).rejects.toThrow(/binlogServer/);
      await expect(restoreCommand(["acme", "--backup-dir", dir, "--binlog-server", "s1"], deps)).rejects.toThrow(/no backup of acme/);
      expect(asked).toEqual(["acme", "acme"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

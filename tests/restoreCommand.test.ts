/** The restore command's front: help, the --to forms it accepts, the tier read from the stack. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parseRestorePoint, RestoreUsageError, runRestore } from "../automation/restoreCommand";
import { tenantMain } from "../scripts/tenantCommand";
import { MYSQL } from "./helpers/servers";

describe("restore command", () => {
  it("documents itself through npm run tenant -- restore --help", () => {
    const run = spawnSync("npx", ["tsx", "scripts/tenant.ts", "restore", "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: tenant restore \[options\] <tenant>/);
    expect(run.stdout).toContain("--to <timestamp>");
    expect(run.stdout).toContain("swaps them in");
    expect(run.stdout).toContain("--binlog-server");
  });

  it("reads --to as UTC, with a zone or in the space form, and rejects anything else naming the option", async () => {
    expect(parseRestorePoint("2026-11-30T14:05:09Z").toISOString()).toBe("2026-11-30T14:05:09.000Z");
    expect(parseRestorePoint("2026-11-30 14:05:09").toISOString()).toBe("2026-11-30T14:05:09.000Z");
    expect(parseRestorePoint("2026-11-30T16:05:09+02:00").toISOString()).toBe("2026-11-30T14:05:09.000Z");
    for (const bad of ["2026-11-30T14:05:09", "yesterday", "2026-13-40 99:00:00", ""]) {
      expect(() => parseRestorePoint(bad), bad).toThrow(RestoreUsageError);
      expect(() => parseRestorePoint(bad), bad).toThrow(/^--to: /);
    }
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await tenantMain(["restore", "acme", "--to", "yesterday"])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/--to <timestamp>.*yesterday/);
    } finally {
      stderr.mockRestore();
    }
  });

  it("takes the tier from the tenant's stack, needs exactly one tenant, and a binlog archive for Business", async () => {
    const dir = mkdtempSync(join(tmpdir(), "restore-cmd-"));
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await tenantMain(["restore"])).toBe(2);
      expect(await tenantMain(["restore", "a-1", "b-2"])).toBe(2);
      // No stack: the tier cannot be read, so nothing is restored.
      expect(await tenantMain(["restore", "acme", "--engine", "offline", "--state-dir", join(dir, "state"), "--backup-dir", dir])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/acme/);
      // Business: point-in-time recovery, so the binlog archive's name is required.
      await expect(runRestore({ tenantId: "acme", tier: "business", mysql: MYSQL, backupDir: dir })).rejects.toThrow(/binlogServer/);
      await expect(runRestore({ tenantId: "acme", tier: "business", mysql: MYSQL, backupDir: dir, binlogServer: "s1" })).rejects.toThrow(/no backup of acme/);
    } finally {
      stderr.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

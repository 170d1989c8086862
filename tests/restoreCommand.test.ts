/** The restore command's front: help, the --to forms it accepts, the tier read from the stack. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parseRestorePoint, RestoreUsageError, runRestore } from "../automation/restoreCommand";
import { backupEnvironment, DirectoryStore, openBackupStore } from "../automation/backupStore";
import { dumpKeyOf, parseRestoreRequest } from "../automation/restoreRequest";
import { S3Store } from "../automation/s3Store";
import { serviceConfigFromEnv } from "../service/config";
import { tenantMain } from "../scripts/tenantCommand";
import { TenantRequestError } from "../tiers";
import { MYSQL } from "./helpers/servers";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

describe("restore command", () => {
  it("documents itself through npm run tenant -- restore --help", () => {
    const run = spawnSync(
      process.execPath,
      [...ONE_SHOT_NODE_ARGS, "scripts/tenant.ts", "restore", "--help"],
      { encoding: "utf8" },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: tenant restore \[options\] <tenant>/);
    expect(run.stdout).toContain("--to <timestamp>");
    expect(run.stdout).toContain("swaps them in");
    expect(run.stdout).toContain("--binlog-server");
    expect(run.stdout).toContain("--backup <name>");
    expect(run.stdout).toContain("RABBITMQ_MANAGEMENT_URL");
  });

  it("names a backup by key, stamp or time, only the tenant's own, and refuses a bad --backup naming the option", async () => {
    const key = "tenants/acme/dumps/2026-11-30T14-05-09-120Z.sql";
    expect(dumpKeyOf("acme", key)).toBe(key);
    expect(dumpKeyOf("acme", "2026-11-30T14-05-09-120Z")).toBe(key);
    expect(dumpKeyOf("acme", "2026-11-30T14:05:09.120Z")).toBe(key);
    for (const other of [
      "tenants/acme2/dumps/2026-11-30T14-05-09-120Z.sql",
      "tenants/other/dumps/2026-11-30T14-05-09-120Z.sql",
      "tenants/acme/rabbitmq/2026-11-30T14-05-09-120Z.json",
      "latest",
      "../acme/dumps/x.sql",
    ]) {
      expect(dumpKeyOf("acme", other), other).toBeUndefined();
    }
    const now = Date.parse("2026-11-30T15:00:00Z");
    expect(
      parseRestoreRequest("acme", { backup: "2026-11-30T14-05-09-120Z", to: "2026-11-30 14:30:00" }, now),
    ).toEqual({ backup: key, to: new Date("2026-11-30T14:30:00Z") });
    expect(parseRestoreRequest("acme", {}, now)).toEqual({});
    const problems = (body: unknown) => {
      try {
        parseRestoreRequest("acme", body, now);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(TenantRequestError);
        return (error as TenantRequestError).problems.map((p) => p.field);
      }
    };
    expect(problems({ backup: "tenants/other/dumps/2026-11-30T14-05-09-120Z.sql" })).toEqual(["backup"]);
    expect(problems({ to: "2026-11-30T16:00:00Z" })).toEqual(["to"]); // the future
    expect(problems({ to: "2026-11-30T14:61:00Z" })).toEqual(["to"]);
    expect(new Set(problems({ backup: 1, to: "soon", extra: true }))).toEqual(
      new Set(["backup", "to", "extra"]),
    );
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await tenantMain(["restore", "acme", "--backup", "latest"])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/--backup <name>.*dump's key/);
    } finally {
      stderr.mockRestore();
    }
  });

  it("reads backups from BACKUP_BUCKET when set, else BACKUP_DIR (the service's default under its data directory)", async () => {
    expect(backupEnvironment({}, "backups")).toEqual({ store: { dir: "backups" } });
    const env = {
      BACKUP_BUCKET: "cv-tenant-backups",
      BACKUP_KMS_KEY_ID: "arn:aws:kms:eu-west-3:1:key/k",
      RABBITMQ_MANAGEMENT_URL: "http://mq:15672",
      RABBITMQ_USER: "backup",
    };
    expect(backupEnvironment(env, "backups")).toEqual({
      store: { dir: "backups", bucket: "cv-tenant-backups", kmsKeyId: "arn:aws:kms:eu-west-3:1:key/k" },
      rabbitmq: { url: "http://mq:15672", user: "backup", password: "guest" },
    });
    expect(await openBackupStore({ dir: "backups", bucket: "cv-tenant-backups" })).toBeInstanceOf(S3Store);
    expect(await openBackupStore({ dir: "backups" })).toBeInstanceOf(DirectoryStore);
    expect(serviceConfigFromEnv({ SERVICE_DATA_DIR: "/srv/cv" }).backups).toEqual({
      dir: join("/srv/cv", "backups"),
    });
    expect(serviceConfigFromEnv({ BACKUP_DIR: "/backups", BINLOG_SERVER: "shared" })).toMatchObject({
      backups: { dir: "/backups" },
      binlogServer: "shared",
    });
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
      expect(
        await tenantMain([
          "restore",
          "acme",
          "--engine",
          "offline",
          "--state-dir",
          join(dir, "state"),
          "--backup-dir",
          dir,
        ]),
      ).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/acme/);
      // Business: point-in-time recovery, so the binlog archive's name is required.
      await expect(
        runRestore({ tenantId: "acme", tier: "business", mysql: MYSQL, backupDir: dir }),
      ).rejects.toThrow(/binlogServer/);
      await expect(
        runRestore({ tenantId: "acme", tier: "business", mysql: MYSQL, backupDir: dir, binlogServer: "s1" }),
      ).rejects.toThrow(/no backup of acme/);
    } finally {
      stderr.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

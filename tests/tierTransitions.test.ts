/**
 * Every tier transition with every site count the target tier allows (1, 3, 10), through both
 * entry points (changeTier, and provisionTenant of an existing tenant), on the offline engine
 * running the real program. With usage that fits, each applies without replacing or deleting a
 * stateful resource (only retained deletes: the stack forgets them, the cluster keeps them); with
 * usage that does not fit, each downgrade is refused with the report and the stack file (config,
 * tags, state) is byte for byte as before. Upgrades are never refused on usage: the tenant's
 * usage is capped by its current tier, which every higher tier exceeds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PreflightRefusedError,
  STATEFUL_TYPES,
  TAGS,
  TenantService,
  type ResourceStep,
  type UsageSource,
} from "../automation";
import { OfflineEngine } from "../automation/offlineEngine";
import type { TenantConfigInput } from "../stacks/config";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE, synthTenant } from "../synth/programs";
import type { StackConfig } from "../synth/stackConfig";
import { coreNamespace, getTier, tierRank, type TierName } from "../tiers";

const TENANT = "acme";
const SHAPES: readonly { tier: TierName; sites: number }[] = [
  { tier: "standard", sites: 1 },
  { tier: "premium", sites: 1 },
  { tier: "premium", sites: 3 },
  { tier: "business", sites: 1 },
  { tier: "business", sites: 3 },
  { tier: "business", sites: 10 },
];
const label = (s: { tier: TierName; sites: number }) => `${s.tier}/${s.sites}`;

/** Every pair of shapes on different tiers: 22 transitions covering the 6 tier changes. */
const PAIRS = SHAPES.flatMap((from) =>
  SHAPES.filter((to) => to.tier !== from.tier).map((to) => ({ from, to })),
);
/** changeTier keeps the sites: the pairs whose site count the target tier allows. */
const TIER_CHANGES = SHAPES.flatMap((from) =>
  (["standard", "premium", "business"] as const)
    .filter((to) => to !== from.tier && from.sites <= getTier(to).maxSites)
    .map((to) => ({ from, to })),
);
const DOWNGRADES = PAIRS.filter(({ from, to }) => tierRank(to.tier) < tierRank(from.tier));

const request = (shape: { tier: TierName; sites: number }): TenantConfigInput => ({
  tenantId: TENANT,
  tier: shape.tier,
  cloudflare: DEV_CLOUDFLARE,
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  sites: Array.from({ length: shape.sites }, () => ({ customDomains: [] })),
});

const FITS: UsageSource = {
  productCount: async () => 100,
  storageUsedGi: async () => 10,
  averageConcurrentUsers: async () => 50,
};
/** The Business tenant: 50,000 products and 290 GiB fit Business only. */
const TOO_BIG: UsageSource = {
  productCount: async () => 50_000,
  storageUsedGi: async () => 290,
  averageConcurrentUsers: async () => 50,
};

/** The program is deterministic: one synth per distinct config serves every case. */
const synths = new Map<string, Promise<SynthResult>>();
const sharedSynth = (tenantId: string, config: StackConfig): Promise<SynthResult> => {
  const key = JSON.stringify([tenantId, config]);
  let result = synths.get(key);
  if (!result) synths.set(key, (result = synthTenant(tenantId, config)));
  return result;
};

interface StackFile {
  config: Record<string, { value: string }>;
  tags: Record<string, string>;
  resources: RecordedResource[];
}

const root = mkdtempSync(join(tmpdir(), "tier-transitions-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** The stack file of each provisioned shape, copied into every case that starts from it. */
const provisioned = new Map<string, readonly [stack: string, config: string]>();
let cases = 0;

/** The stack file (the backend) and its config file (the work directory) of an offline stack. */
const stackFiles = (stateDir: string) =>
  [join(stateDir, `${TENANT}.json`), join(stateDir, "work", `Pulumi.${TENANT}.json`)] as const;

function tenantFrom(shape: { tier: TierName; sites: number }, usage: UsageSource) {
  const stateDir = join(root, String(cases++));
  const engine = new OfflineEngine({ stateDir, synth: sharedSynth });
  const [stackPath, configPath] = stackFiles(stateDir);
  const [stack, config] = provisioned.get(label(shape))!;
  writeFileSync(stackPath, stack);
  writeFileSync(configPath, config);
  const backups: string[] = [];
  const service = new TenantService({
    engine,
    usage,
    backup: {
      backup: async (t, reason) => (backups.push(reason), { location: `s3://backups/${t}/${reason}` }),
    },
  });
  /** Both files, so "exactly as before" covers the config as well as the state. */
  const file = () => `${readFileSync(stackPath, "utf8")}\n${readFileSync(configPath, "utf8")}`;
  const state = (): StackFile => ({
    ...(JSON.parse(readFileSync(stackPath, "utf8")) as Omit<StackFile, "config">),
    config: JSON.parse(readFileSync(configPath, "utf8")) as StackFile["config"],
  });
  return { service, backups, file, state };
}

beforeAll(async () => {
  for (const shape of SHAPES) {
    const stateDir = join(root, `provisioned-${shape.tier}-${shape.sites}`);
    await new TenantService({ engine: new OfflineEngine({ stateDir, synth: sharedSynth }) }).provisionTenant(
      request(shape),
    );
    const [stackPath, configPath] = stackFiles(stateDir);
    provisioned.set(label(shape), [readFileSync(stackPath, "utf8"), readFileSync(configPath, "utf8")]);
  }
}, 120_000);

/** What holds data (the list, written out so the test does not trust the code's own list). */
const STATEFUL = new Set([
  "mysql:index/database:Database",
  "minio:index/s3Bucket:S3Bucket",
  "rabbitmq:index/vHost:VHost",
  "rabbitmq:index/queue:Queue",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:Namespace",
  "kubernetes:mysql.oracle.com/v2:InnoDBCluster",
]);
const isStateful = (r: { type: string }) => STATEFUL.has(r.type);

it("guards every type that holds data", () => {
  expect([...STATEFUL].filter((t) => !STATEFUL_TYPES.has(t))).toEqual([]);
});
/** Site namespaces a tenant with `sites` sites has beyond `kept`. */
const removedSiteNamespaces = (sites: number, kept: number) =>
  Array.from(
    { length: Math.max(0, sites - kept) },
    (_, i) => `${coreNamespace(TENANT)}-site-${kept + i + 1}`,
  );
const namespaceOf = (r: RecordedResource) => (r.inputs as { metadata?: { name?: string } }).metadata?.name;

/**
 * The applied transition kept every stateful resource: none replaced, the only delete the
 * retained dedicated Redis claim leaving for the platform Redis, every other stateful resource
 * still in the state with the same name, and the namespaces of removed sites sealed as retired
 * sites (a quota that admits no pod) rather than dropped.
 */
function expectDataKept(
  before: StackFile,
  after: StackFile,
  steps: readonly ResourceStep[],
  from: { tier: TierName; sites: number },
  to: { tier: TierName; sites: number },
) {
  const stateful = steps.filter(isStateful);
  expect(stateful.filter((s) => s.op === "replace")).toEqual([]);
  const deleted = stateful.filter((s) => s.op === "delete");
  expect(deleted.filter((s) => !s.retained)).toEqual([]);
  const leavesRedis = getTier(from.tier).redis === "dedicated" && getTier(to.tier).redis === "platform";
  const expectedGone = leavesRedis ? [`${TENANT}-redis-data`] : [];
  const byUrn = new Map(before.resources.map((r) => [r.urn, r]));
  expect(
    deleted
      .map((s) =>
        s.type === "kubernetes:core/v1:Namespace" ? `namespace:${namespaceOf(byUrn.get(s.urn)!)}` : s.name,
      )
      .sort(),
  ).toEqual(expectedGone);
  const kept = new Map(after.resources.map((r) => [r.urn, r]));
  for (const r of before.resources.filter(isStateful)) {
    if (deleted.some((s) => s.urn === r.urn)) continue;
    const now = kept.get(r.urn);
    expect(now, r.name).toBeDefined();
    expect(now!.protect || r.type === "kubernetes:core/v1:Namespace", `${r.name} protected`).toBe(true);
  }
  for (const ns of removedSiteNamespaces(from.sites, to.sites)) {
    const quota = after.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:ResourceQuota" &&
        (r.inputs as { metadata?: { namespace?: string } }).metadata?.namespace === ns,
    );
    expect(
      (quota?.inputs as { spec?: { hard?: Record<string, string> } } | undefined)?.spec?.hard?.["pods"],
      `${ns} sealed`,
    ).toBe("0");
  }
}

describe("provisionTenant of an existing tenant with another tier and site count", () => {
  it.each(PAIRS.map((p) => [label(p.from), label(p.to), p] as const))(
    "%s -> %s applies, keeping every stateful resource",
    async (_f, _t, { from, to }) => {
      const tenant = tenantFrom(from, FITS);
      const before = tenant.state();
      const result = await tenant.service.provisionTenant(request(to));
      const after = tenant.state();
      expect(result).toMatchObject({ outcome: "updated", outputs: { tier: to.tier } });
      expectDataKept(before, after, result.plan!.steps, from, to);
      expect(after.tags[TAGS.tier]).toBe(to.tier);
      expect(after.config["tenant:tier"]!.value).toBe(to.tier);
      const downgrade = tierRank(to.tier) < tierRank(from.tier);
      expect(result.preflight?.ok).toBe(downgrade ? true : undefined);
      // A backup before anything is dropped: a downgrade, a removed site, a released volume.
      expect(tenant.backups).toEqual(downgrade || to.sites < from.sites ? ["tier-change"] : []);
    },
  );

  it.each(DOWNGRADES.map((p) => [label(p.from), label(p.to), p] as const))(
    "%s -> %s is refused when the usage does not fit, leaving the stack as it was",
    async (_f, _t, { from, to }) => {
      const tenant = tenantFrom(from, TOO_BIG);
      const before = tenant.file();
      const error = await tenant.service.provisionTenant(request(to)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreflightRefusedError);
      const failed = (error as PreflightRefusedError).report.checks
        .filter((c) => c.status === "fail")
        .map((c) => c.name);
      expect(failed).toEqual(["products", "storage"]);
      expect(tenant.file()).toBe(before);
      expect(tenant.backups).toEqual([]);
    },
  );
});

describe("changeTier", () => {
  it.each(TIER_CHANGES.map((p) => [label(p.from), p.to, p] as const))(
    "%s -> %s applies, keeping every stateful resource",
    async (_f, _t, { from, to }) => {
      const tenant = tenantFrom(from, FITS);
      const before = tenant.state();
      const result = await tenant.service.changeTier(TENANT, to);
      expect(result).toMatchObject({ outcome: "changed", from: from.tier, to });
      expectDataKept(before, tenant.state(), result.plan!.steps, from, { tier: to, sites: from.sites });
      expect(tenant.state().tags[TAGS.tier]).toBe(to);
    },
  );

  const downgrades = SHAPES.flatMap((from) =>
    (["standard", "premium"] as const)
      .filter((to) => tierRank(to) < tierRank(from.tier))
      .map((to) => ({ from, to })),
  );
  it.each(downgrades.map((p) => [label(p.from), p.to, p] as const))(
    "%s -> %s is refused when the usage does not fit, leaving the stack as it was",
    async (_f, _t, { from, to }) => {
      const tenant = tenantFrom(from, TOO_BIG);
      const before = tenant.file();
      const error = await tenant.service.changeTier(TENANT, to).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreflightRefusedError);
      const failed = (error as PreflightRefusedError).report.checks
        .filter((c) => c.status === "fail")
        .map((c) => c.name);
      expect(failed).toEqual([
        ...(from.sites > getTier(to).maxSites ? ["sites"] : []),
        "products",
        "storage",
      ]);
      expect(tenant.file()).toBe(before);
    },
  );
});

/**
 * Which tenant stacks a change affects, so CI previews exactly those (and humans get the same
 * answer with `npm run affected -- <base-ref>`).
 *
 * - A change to what every tenant program runs or is judged by (tiers/, lib/, components/, stacks/,
 *   policy/, the project and policy manifests, the lockfile, package.json, tsconfig.json)
 *   affects every stack.
 * - `Pulumi.<stack>.yaml` affects that stack, if it still exists (a deleted stack file has
 *   nothing left to preview).
 * - Anything else (docs, tests, synth, bench, scripts, CI files) affects none.
 */

/** Paths whose change affects every tenant stack: a folder ends with "/". */
export const AFFECTS_EVERY_STACK: readonly string[] = [
  "tiers/",
  "lib/",
  "components/",
  "stacks/",
  "policy/",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

const STACK_FILE = /^Pulumi\.([^/.][^/]*)\.ya?ml$/;

export interface AffectedStacks {
  /** Stacks to preview, sorted. */
  readonly stacks: readonly string[];
  /** Why each stack is affected: the changed files that caused it. */
  readonly reasons: Readonly<Record<string, readonly string[]>>;
  /** True when a shared file changed (every stack is affected). */
  readonly all: boolean;
}

/** The stack a `Pulumi.<stack>.yaml` path configures, or undefined. */
export function stackOfConfigFile(path: string): string | undefined {
  return STACK_FILE.exec(path)?.[1];
}

export function affectsEveryStack(path: string): boolean {
  return AFFECTS_EVERY_STACK.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
}

/**
 * @param changedFiles paths relative to the repository root, as `git diff --name-only` prints them
 * @param existingStacks stacks whose `Pulumi.<stack>.yaml` exists in the head commit
 */
export function affectedStacks(
  changedFiles: readonly string[],
  existingStacks: readonly string[],
): AffectedStacks {
  const existing = new Set(existingStacks);
  const reasons = new Map<string, string[]>();
  const add = (stack: string, file: string) => reasons.set(stack, [...(reasons.get(stack) ?? []), file]);
  const shared = changedFiles.filter(affectsEveryStack);
  for (const file of shared) for (const stack of existing) add(stack, file);
  for (const file of changedFiles) {
    const stack = stackOfConfigFile(file);
    if (stack !== undefined && existing.has(stack)) add(stack, file);
  }
  const stacks = [...reasons.keys()].sort();
  return {
    stacks,
    reasons: Object.fromEntries(stacks.map((s) => [s, reasons.get(s)!])),
    all: shared.length > 0 && existing.size > 0,
  };
}

/**
 * Paths whose change affects the platform project's stacks (per-cluster tier objects): its
 * program, the catalog it derives from, and what every program runs on.
 */
export const AFFECTS_PLATFORM: readonly string[] = [
  "platform/",
  "stacks/platform.ts",
  // The program's own components and what they share with the tenant layer.
  "components/platform/",
  "components/shared/",
  "tiers/",
  "lib/",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

export function affectsPlatform(changedFiles: readonly string[]): boolean {
  return changedFiles.some((path) =>
    AFFECTS_PLATFORM.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p)),
  );
}

/**
 * The stack names in `pulumi stack ls --json` output, run in a project's directory. The
 * backend holds stacks no file in the repository names (every stack the Automation API made);
 * Pulumi Cloud qualifies names as org/project/stack, a self-managed backend may not.
 */
export function backendStackNames(stackLsJson: string): string[] {
  const listed = JSON.parse(stackLsJson) as unknown;
  if (!Array.isArray(listed)) throw new Error("expected the JSON array `pulumi stack ls --json` prints");
  return listed.map((entry: unknown) => {
    const name = (entry as { name?: unknown }).name;
    if (typeof name !== "string" || !name)
      throw new Error(`a listed stack has no name: ${JSON.stringify(entry)}`);
    return name.split("/").pop()!;
  });
}

/** GitHub Actions runs at most 256 jobs from one matrix. */
export const MAX_MATRIX_JOBS = 256;

export interface PreviewShard {
  /** Which project's directory the stacks are previewed in. */
  readonly project: "tenant" | "platform";
  /** The stacks this job previews, one after another (space-separated, for a shell loop). */
  readonly stacks: string;
}

/**
 * The preview jobs: the platform's stacks in one job, the tenant stacks split into as few equal
 * shards as keep every job count within `maxJobs` (one stack per job while they fit).
 */
export function previewShards(
  tenantStacks: readonly string[],
  platformStacks: readonly string[],
  maxJobs = MAX_MATRIX_JOBS,
): PreviewShard[] {
  const shards: PreviewShard[] =
    platformStacks.length > 0 ? [{ project: "platform", stacks: [...platformStacks].sort().join(" ") }] : [];
  const jobs = Math.min(tenantStacks.length, maxJobs - shards.length);
  const perJob = Math.ceil(tenantStacks.length / Math.max(1, jobs));
  for (let i = 0; i < tenantStacks.length; i += perJob)
    shards.push({ project: "tenant", stacks: tenantStacks.slice(i, i + perJob).join(" ") });
  return shards;
}

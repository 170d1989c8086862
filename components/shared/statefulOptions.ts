/**
 * The one place a tenant resource is protected or retained on delete, and the one switch that
 * lifts both for an erasure. Components ask for `statefulOptions("protected")` (a tier change or a
 * destroy may not delete it) or `statefulOptions("retained")` (also kept in the cloud when Pulumi
 * deletes it); TenantStack applies `erasingTransformations(erasing)` to every resource under it,
 * so under the operator's `tenant:erasing` flag (docs/tenant-lifecycle.md) nothing is protected or
 * retained, including a resource that does not go through this helper. The platform's stateful
 * resources use it too (always kept: the platform stack has no erasing mode).
 */
import type * as pulumi from "@pulumi/pulumi";

const MINIO_BUCKET = "minio:index/s3Bucket:S3Bucket";

/**
 * How a stateful resource is kept: `protected` (no plan may delete it), `retained` (protected, and
 * left in the cloud when Pulumi deletes it), `retained-unprotected` (a site's namespace: removing
 * the site may delete it from the stack, the cloud keeps it).
 */
export type Keeping = "protected" | "retained" | "retained-unprotected";

export interface StatefulOptions {
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
}

/** The resource options for `keeping`; spread them into the resource's options. */
export function statefulOptions(keeping: Keeping): StatefulOptions {
  switch (keeping) {
    case "protected":
      return { protect: true };
    case "retained":
      return { protect: true, retainOnDelete: true };
    case "retained-unprotected":
      return { retainOnDelete: true };
  }
}

/**
 * Transformations that clear protect and retainOnDelete on every resource registered under the
 * component that carries them (children inherit a parent's transformations). Erasing: the purge's
 * `up` records them cleared in the state, so its `destroy` deletes everything. Not erasing: none.
 */
export function erasingTransformations(erasing: boolean): pulumi.ResourceTransformation[] {
  if (!erasing) return [];
  return [
    ({ type, props, opts }) => ({
      // A bucket is deleted with every object version in it (the provider refuses a non-empty one).
      props: type === MINIO_BUCKET ? { ...props, forceDestroy: true } : props,
      opts: { ...opts, protect: false, retainOnDelete: false },
    }),
  ];
}

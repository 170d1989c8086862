/** Fixtures for the provisioning service tests. */
import type { TenantConfigInput } from "../../stacks/config";
import { DEV_CLOUDFLARE } from "../../synth/programs";

/** Admin credentials no other fixture uses, so a test can look for them in what the service sends back. */
export const CREDENTIALS = {
  mysql: { user: "root", password: "mysql-pw-7f3a" },
  rabbitmq: {
    user: "admin",
    password: "rabbit-pw-91c2",
    managementUrl: "http://rabbitmq.rabbitmq.svc:15672",
  },
  objectStorage: { user: "admin", password: "minio-pw-44d0" },
};

/** The paths of the service's OpenAPI document, sorted: the live app's and docs/openapi.json. */
export const SERVICE_API_PATHS = [
  "/fleet/{command}",
  "/operations/{id}",
  "/tenants",
  "/tenants/{id}",
  "/tenants/{id}/purge",
  "/tenants/{id}/restore",
  "/tenants/{id}/tier",
];

export const tenantRequest = (
  tenantId: string,
  tier: TenantConfigInput["tier"] = "premium",
  extra: Partial<TenantConfigInput> = {},
): TenantConfigInput => ({
  tenantId,
  tier,
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  cloudflare: DEV_CLOUDFLARE,
  adminCredentials: CREDENTIALS,
  ...extra,
});

/** Polls `check` until it returns a value (not undefined); fails after `timeoutMs` with `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The request bodies `npm run bench:service` sends, built from the fixtures the tests use and
 * validated by the stack config's own schema before the bench runs (tests/serviceWalkthrough.test.ts
 * checks them too): a change to the request schema breaks the bench loudly, never silently.
 */
import { toStackConfig } from "../automation/requestConfig";
import type { TenantConfigInput } from "../stacks/config";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";

/** A signup of `tenantId` (Premium, one site), as the signup flow sends it. */
export function signupBody(tenantId: string): TenantConfigInput {
  const body: TenantConfigInput = {
    tenantId,
    tier: "premium",
    images: { registry: "registry.example.com/cv", tag: "1.0.0" },
    adminCredentials: DEV_ADMIN_CREDENTIALS,
    cloudflare: { ...DEV_CLOUDFLARE, zoneName: `${tenantId}.edge.collect-verything.test` },
  };
  toStackConfig(body); // throws naming the field the schema refuses
  return body;
}

/**
 * The generated documents: what `npm run docs` writes and `tests/docs.test.ts` checks for drift.
 * Each is a function of the current file (a generated block inside a hand-written page) or of
 * nothing (a page generated whole).
 */
import { platformConfigSchema, tenantConfigSchema } from "../stacks/config";
import { configDocument } from "./configReference";
import { withCostTable } from "./costTable";
import { openApiDocument } from "./openapiDocument";
import { policyTable } from "./policyTable";
import { withGeneratedBlock, withTierSummary, withTierTable } from "./tierTable";

export interface GeneratedDocument {
  /** Path from the repository root. */
  readonly path: string;
  /** The document as it should be, given its current text ("" when absent). */
  readonly render: (current: string) => string | Promise<string>;
}

export const GENERATED_DOCUMENTS: readonly GeneratedDocument[] = [
  { path: "README.md", render: withTierSummary },
  { path: "docs/product.md", render: withTierTable },
  { path: "docs/finops.md", render: withCostTable },
  {
    path: "docs/policies.md",
    render: (current) => withGeneratedBlock(current, "policy-table", policyTable()),
  },
  {
    path: "docs/configuration.md",
    render: () =>
      configDocument([
        {
          title: "Tenant stacks (`Pulumi.yaml`, one stack per tenant)",
          namespace: "tenant",
          intro:
            "Set with `pulumi config set --path <key> <value>` (`--secret` for passwords, tokens and webhook URLs); a signup request to the provisioning service has the same shape.",
          schema: tenantConfigSchema,
        },
        {
          title: "Platform stacks (`platform/Pulumi.yaml`, one stack per AWS region)",
          namespace: "platform",
          intro: "Set in `platform/` with `pulumi config set --path <key> <value>`.",
          schema: platformConfigSchema,
        },
      ]),
  },
  { path: "docs/openapi.json", render: openApiDocument },
];

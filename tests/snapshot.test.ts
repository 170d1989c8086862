/** The dev stack's synth output, file by file, as `npm run synth -- --stack dev` writes it. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT } from "../stacks/config";
import { kubernetesObjects, manifestFiles, resourceList } from "../synth/manifests";
import { synthTenant } from "../synth/programs";
import { readStackConfig } from "../synth/stackConfig";
import { tenantSummary } from "../synth/summary";

describe("dev stack synth", () => {
  it("matches the reviewed snapshot", async () => {
    const result = await synthTenant(
      "dev",
      readStackConfig(resolve(__dirname, "../Pulumi.dev.yaml"), PROJECT),
    );
    const objects = kubernetesObjects(result);
    for (const [file, yaml] of manifestFiles(objects)) {
      await expect(yaml).toMatchFileSnapshot(`__snapshots__/dev/manifests/${file}`);
    }
    await expect(`${JSON.stringify(resourceList(result), null, 2)}\n`).toMatchFileSnapshot(
      "__snapshots__/dev/resources.json",
    );
    await expect(tenantSummary(result, objects)).toMatchFileSnapshot("__snapshots__/dev/summary.md");
  });
});

import { synthTenant } from "../synth/programs";
import { tenantConfig } from "../tests/helpers/synth";
(async () => {
  const t = performance.now();
  await synthTenant("bench", tenantConfig("bench", "business", 10, {}));
  console.log("cold", (performance.now() - t).toFixed(0), "maps", process.sourceMapsEnabled);
  for (let i = 0; i < 3; i++) { const t2 = performance.now(); await synthTenant("bench", tenantConfig("bench", "business", 10, {})); console.log("warm", (performance.now() - t2).toFixed(0)); }
})();

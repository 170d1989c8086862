/**
 * The pack as a library, without the gRPC server: its policies, the per-stack config, and the
 * local runner. Bundled with the catalog to dist/pack.js, so the offline synth, the tests and
 * anyone holding only the published folder judge a stack exactly as the analyzer does.
 */
export { TIER_POLICIES } from "./policies";
export { packConfigFor } from "./packConfig";
export { resolveTierContext, type ContextConfig } from "./context";
export { runPolicies, type LocalResource, type RunOptions, type Violation } from "./localRun";

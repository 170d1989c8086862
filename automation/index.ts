/**
 * The Automation API layer the signup service imports. The offline engine is not re-exported:
 * it loads the synth (and its runtime patches) into whoever imports it; import it from
 * "./automation/offlineEngine" where it is wanted.
 */
export * from "./engine";
export * from "./errors";
export { mapEngineError } from "./engineErrors";
export * from "./fleet";
export * from "./outputs";
export { LocalWorkspaceEngine, type LocalWorkspaceEngineOptions } from "./localWorkspaceEngine";
export * from "./preflight";
export {
  TAGS,
  TenantService,
  type BackupHook,
  type BackupReason,
  type ChangeReport,
  type ChangeTierResult,
  type DeprovisionResult,
  type ProvisionResult,
  type TenantServiceOptions,
} from "./tenantService";

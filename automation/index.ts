/** The Automation API layer the signup service imports. */
export * from "./engine";
export * from "./errors";
export * from "./fleet";
export * from "./outputs";
export { LocalWorkspaceEngine, type LocalWorkspaceEngineOptions } from "./localWorkspaceEngine";
export { OfflineEngine, type OfflineEngineOptions } from "./offlineEngine";
export * from "./preflight";
export { TAGS, TenantService, type BackupHook, type BackupReason, type ChangeReport, type ChangeTierResult, type DeprovisionResult, type ProvisionResult, type TenantServiceOptions } from "./tenantService";

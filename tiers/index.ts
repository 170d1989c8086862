export * from "./catalog";
export * from "./naming";
export * from "./pricing";
export * from "./profile";
export * from "./services";
export * from "./sizing";
export * from "./units";
export * from "./tenantRules";

export * from "./errors.ts";
export * from "./system.ts";
export * from "./permissions.ts";
export * from "./identity.ts";
export * from "./audit.ts";
export * from "./usage.ts";
export * from "./providers.ts";
export * from "./chat.ts";

export * from "./errors.ts";
export * from "./system.ts";

import { z } from "zod";

/** Roles, global and per team, from most to least powerful. */
export const Role = z.enum(["admin", "operator", "developer", "viewer"]);
export type Role = z.infer<typeof Role>;

/**
 * Every permission a route, tool or job can require. Strings are stable: API keys store them.
 * `<resource>:<action>`; new permissions are only added.
 */
export const Permission = z.enum([
  "profile:read",
  "users:read",
  "users:manage",
  "teams:read",
  "teams:manage",
  "api-keys:manage",
  "audit:read",
  "access:explain",
  "conversations:read",
  "conversations:write",
  "ai:use",
  "usage:read",
  "providers:read",
  "providers:manage",
  "system:read",
  "assistants:read",
  "assistants:write",
  "assistants:manage",
  "knowledge:read",
  "knowledge:manage",
  "projects:read",
  "projects:manage",
  "governance:read",
  "governance:manage",
  "governance:approve",
  "prompts:read",
  "prompts:manage",
  "prompts:approve",
  "guides:read",
  "guides:write",
  "billing:read",
  "billing:manage",
  "budgets:manage",
  "telegram:read",
  "telegram:manage",
  "widgets:read",
  "widgets:manage",
]);
export type Permission = z.infer<typeof Permission>;

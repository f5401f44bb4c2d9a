import type { Widget, WidgetLimits, WidgetPublicConfig } from "@parley/contracts";
import { DEFAULT_WIDGET_LIMITS } from "@parley/contracts";
import { fromJson } from "../../db/json.ts";
import type { WidgetRow } from "./widgets.repository.ts";

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

/** The origins a widget may be embedded on. */
export function originsOf(row: WidgetRow): string[] {
  const value = fromJson(row.allowed_origins);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** A widget's limits (the defaults for any it lacks). */
export function limitsOf(row: WidgetRow): WidgetLimits {
  return { ...DEFAULT_WIDGET_LIMITS, ...(fromJson(row.limits) as Partial<WidgetLimits>) };
}

/** A widget as its team's managers see it. */
export function toWidget(row: WidgetRow): Widget {
  return {
    id: row.id,
    teamId: row.team_id,
    assistantId: row.assistant_id,
    publisherId: row.publisher_id,
    key: row.public_key,
    name: row.name,
    allowedOrigins: originsOf(row),
    greeting: row.greeting,
    primaryColor: row.primary_color,
    position: row.position as Widget["position"],
    mode: row.mode as Widget["mode"],
    limits: limitsOf(row),
    enabled: Boolean(row.enabled),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** What any page may read of a widget: how to draw it. */
export function toPublicConfig(row: WidgetRow, starterPrompts: string[]): WidgetPublicConfig {
  return {
    key: row.public_key,
    name: row.name,
    greeting: row.greeting,
    primaryColor: row.primary_color,
    position: row.position as WidgetPublicConfig["position"],
    mode: row.mode as WidgetPublicConfig["mode"],
    starterPrompts,
  };
}

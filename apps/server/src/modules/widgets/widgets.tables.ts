import type { JsonColumn } from "../../db/json.ts";

/** An assistant published as a widget on websites; always a team's. */
export interface WidgetsTable {
  id: string;
  team_id: string;
  assistant_id: string;
  /** Whose access answers visitors (the member who published it); null once that account is gone. */
  publisher_id: string | null;
  /** The public key of the embed snippet, `wk_…`; unique. */
  public_key: string;
  /** Counts key rotations: visitor tokens carry it, so rotating the key ends them. */
  key_version: number;
  /** Counts secret rotations: the secret is derived from it (never stored). */
  secret_version: number;
  name: string;
  /** A JSON array of exact origins. */
  allowed_origins: JsonColumn;
  greeting: string;
  primary_color: string;
  /** `bottom-right` or `bottom-left`. */
  position: string;
  /** `public` or `signed`. */
  mode: string;
  /** A JSON object: `WidgetLimits`. */
  limits: JsonColumn;
  enabled: number | boolean;
  created_at: number;
  updated_at: number;
}

export interface WidgetsTables {
  widgets: WidgetsTable;
}

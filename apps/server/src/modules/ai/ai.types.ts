import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from "@ai-sdk/provider";
import type { AiSurface } from "@parley/contracts";

/** Where an AI call comes from. Every surface goes through the same pipeline. */
export type { AiSurface } from "@parley/contracts";

/**
 * The trace of a call through the default stages of `app/parley.ts`, in order: the fixed steps
 * (`authorize`, `provider_call`) and the stages' names (ADR 0016). Each call's audit entry lists
 * the steps it ran.
 */
export const AI_STAGES = [
  "authorize",
  "rate_limit",
  "context_window",
  "provider_call",
  "metering",
  "audit",
] as const;

/** Model settings a caller may pass through to the provider. */
export type ChatOptions = Omit<
  LanguageModelV4CallOptions,
  "prompt" | "abortSignal" | "headers" | "includeRawChunks"
>;

/** A chat completion request, whatever surface it came from. */
export interface ChatCall {
  surface: AiSurface;
  /**
   * The team the call is made for (a team's conversation): authorized by the caller's role there
   * and metered to it. Absent: a team-bound API key's team, else the caller's own account.
   */
  teamId?: string | null;
  /** Model id or alias. */
  model: string;
  prompt: LanguageModelV4Prompt;
  options: ChatOptions;
  /** Aborts the upstream call (the client went away, or a stop was requested). */
  signal?: AbortSignal;
}

/** An embedding request. */
export interface EmbedCall {
  surface: AiSurface;
  /** As in {@link ChatCall}. */
  teamId?: string | null;
  model: string;
  values: string[];
  dimensions?: number;
  signal?: AbortSignal;
}

/** Output of a chat call, normalised across providers. */
export type ChatPart =
  | { type: "text"; delta: string }
  | { type: "tool-call-start"; id: string; name: string }
  | { type: "tool-call-delta"; id: string; delta: string }
  | { type: "tool-call"; id: string; name: string; input: string }
  | { type: "finish"; finishReason: FinishReason; usage: TokenUsage };

export type FinishReason = "stop" | "length" | "tool-calls" | "content-filter" | "other";

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

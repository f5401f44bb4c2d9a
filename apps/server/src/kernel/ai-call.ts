/**
 * An AI call as every module sees it: the request, the model it is made to, and what comes back.
 * The AI module runs calls; the stages other modules contribute (kernel/ai-stage.ts) read them.
 */
import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from "@ai-sdk/provider";
import type { AiSurface, SearchHit } from "@parley/contracts";

/** Where an AI call comes from. Every surface goes through the same pipeline. */
export type { AiSurface } from "@parley/contracts";

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
  /** The assistant the call is made with: its stage adds its instructions and settings. */
  assistantId?: string | null;
  /**
   * The project the call is made in (a conversation's project), within `teamId`'s team: rules and
   * practices scoped to it apply. The surface checked it belongs to the team.
   */
  projectId?: string | null;
  /**
   * The persona version the call is made with (`persona/<slug>` on the gateway or in a chat):
   * its stage adds the version's instructions and settings and records the call by version.
   */
  persona?: PersonaRef | null;
  prompt: LanguageModelV4Prompt;
  options: ChatOptions;
  /**
   * Knowledge passages a stage (retrieval) put into the prompt, numbered as the answer cites them;
   * the pipeline hands them to the surface with the answer (`ChatRun.sources`).
   */
  sources?: readonly GroundingSource[];
  /**
   * How the caller gets the answer: `stream` (default) shows text as it comes; `whole` waits for
   * the complete answer (a non-streamed `/v1` call), so a check of the whole answer can still
   * refuse it.
   */
  delivery?: "stream" | "whole";
  /**
   * Called when a governance rule holds the call for approval (the surface shows that it waits);
   * the call goes on once approved, or fails with `governance.approval_denied`.
   */
  onHold?: (hold: { approvalId: string; ruleName: string; expiresAt: string }) => void;
  /** Aborts the upstream call (the client went away, or a stop was requested). */
  signal?: AbortSignal;
}

/** Which persona version a call is made with, and why that one (the label and its A/B split). */
export interface PersonaRef {
  readonly promptId: string;
  readonly version: number;
  /** The label that picked the version; null: the current version, asked for without a label. */
  readonly label: string | null;
  /** The chat answer it produces, so feedback on it counts for the version; null on the gateway. */
  readonly messageId?: string | null;
}

/** A passage an answer is given with: a search hit and the number it is cited by (`[n]`, from 1). */
export type GroundingSource = SearchHit & { readonly n: number };

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

/** US dollars per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** A model the platform can call, with the admins' overrides applied. */
export interface CatalogModel {
  /** `provider/model`. */
  id: string;
  providerId: string;
  providerType: "openai" | "anthropic" | "openai-compatible";
  /** The name the upstream knows. */
  upstreamModel: string;
  aliases: string[];
  contextWindow: number | null;
  maxOutputTokens: number | null;
  price: ModelPrice | null;
  /** Model ids to try next, in order (known models only; aliases already resolved). */
  fallbacks: string[];
  /** False when the model or its provider is disabled. */
  enabled: boolean;
  /** Whether it reads images in a prompt. */
  imageInput: boolean;
}

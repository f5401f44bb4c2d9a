import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import type { ReadableStream, ReadableStreamDefaultReader, ReadableStreamReadResult } from "node:stream/web";
import { AppError } from "../../kernel/app-error.ts";
import { TimeoutError } from "../../platform/timeout.ts";
import type { ChatPart, FinishReason } from "../../kernel/ai-call.ts";

/** An upstream answer, read part by part. */
export interface PartStream {
  /** Whether a `finish` part was seen: a stream that ends without one was cut. */
  readonly finished: boolean;
  /**
   * The next part, or null at the end of the stream.
   * @throws the upstream's error (an `error` part or a read failure), or TimeoutError when idle.
   */
  next(): Promise<ChatPart | null>;
  /** Stops reading and releases the upstream connection. */
  cancel(reason?: unknown): Promise<void>;
}

/**
 * Reads an AI SDK stream part by part with an idle timeout, translating parts to `ChatPart`s
 * and dropping those no surface uses (metadata, reasoning, raw).
 */
export class SdkPartStream implements PartStream {
  readonly #reader: ReadableStreamDefaultReader<LanguageModelV4StreamPart>;
  readonly #idleMs: number;
  readonly #providerId: string;
  #finished = false;

  constructor(stream: ReadableStream<LanguageModelV4StreamPart>, idleMs: number, providerId: string) {
    this.#reader = stream.getReader();
    this.#idleMs = idleMs;
    this.#providerId = providerId;
  }

  /** Whether a `finish` part was seen: a stream that ends without one was cut. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * The next translated part, or null at the end of the stream.
   * @throws the upstream's error (an `error` part or a read failure), or TimeoutError when idle.
   */
  async next(): Promise<ChatPart | null> {
    for (;;) {
      const { done, value } = await this.#read();
      if (done) return null;
      const part = this.#translate(value);
      if (part) return part;
    }
  }

  /** Stops reading and releases the upstream connection. */
  async cancel(reason?: unknown): Promise<void> {
    await this.#reader.cancel(reason).catch(() => undefined);
  }

  async #read(): Promise<ReadableStreamReadResult<LanguageModelV4StreamPart>> {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new TimeoutError(`provider ${this.#providerId} sent nothing for ${this.#idleMs} ms`));
      }, this.#idleMs);
    });
    try {
      return await Promise.race([this.#reader.read(), idle]);
    } finally {
      clearTimeout(timer);
    }
  }

  #translate(part: LanguageModelV4StreamPart): ChatPart | null {
    switch (part.type) {
      case "text-delta":
        return part.delta ? { type: "text", delta: part.delta } : null;
      case "tool-input-start":
        return { type: "tool-call-start", id: part.id, name: part.toolName };
      case "tool-input-delta":
        return { type: "tool-call-delta", id: part.id, delta: part.delta };
      case "tool-call":
        return { type: "tool-call", id: part.toolCallId, name: part.toolName, input: part.input };
      case "finish": {
        this.#finished = true;
        const reason = part.finishReason.unified;
        // "error" / "interrupted" are not clean completions, and neither is a stream whose
        // upstream never said why it finished (the SDK then reports "other" with no raw reason).
        if (reason === "error" || reason === "interrupted" || part.finishReason.raw === undefined) {
          throw new AppError(
            "upstream.incomplete",
            `Provider ${this.#providerId} ended the answer without a finish reason (${reason})`,
          );
        }
        const finishReason: FinishReason = reason;
        return {
          type: "finish",
          finishReason,
          usage: {
            inputTokens: part.usage.inputTokens.total ?? 0,
            outputTokens: part.usage.outputTokens.total ?? 0,
          },
        };
      }
      case "error": {
        // The upstream broke off or sent something unreadable (for example a stream with no
        // finish reason): the answer is incomplete, whatever came before.
        const reason = part.error instanceof Error ? part.error.message : "stream error";
        throw new AppError(
          "upstream.incomplete",
          `Provider ${this.#providerId} broke off the answer: ${reason}`,
          { cause: part.error },
        );
      }
      default:
        return null;
    }
  }
}

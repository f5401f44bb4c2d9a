import type { Clock } from "../../platform/clock/clock.ts";
import type { ChatRepository } from "./chat.repository.ts";

/**
 * The least time between two progress writes of one answer (ADR 0012). An answer that streams
 * for less never writes progress; a longer one writes about twice a second, whatever its chunk
 * rate.
 */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * Keeps the text of a streaming answer in the database as it grows, throttled, so that an answer
 * whose worker or process dies is failed with the text already streamed rather than empty. It is
 * only ever offered text whose deltas the log already holds, so the stored text is a prefix of
 * what clients saw. At most one write is in flight; writes are guarded by `status = 'streaming'`,
 * so a late one never overwrites the finalizer's.
 * @example
 * const progress = new AnswerProgress({ chats, clock, messageId, onError });
 * await log.append(delta); progress.offer(text);
 */
export class AnswerProgress {
  readonly #chats: Pick<ChatRepository, "saveProgress">;
  readonly #clock: Clock;
  readonly #messageId: string;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #lastAt: number;
  #savedLength = 0;
  #writing: Promise<void> | null = null;

  constructor(options: {
    chats: Pick<ChatRepository, "saveProgress">;
    clock: Clock;
    messageId: string;
    onError: (error: unknown) => void;
    intervalMs?: number;
  }) {
    this.#chats = options.chats;
    this.#clock = options.clock;
    this.#messageId = options.messageId;
    this.#onError = options.onError;
    this.#intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.#lastAt = options.clock.now();
  }

  /**
   * Offers the answer's text so far (appended to the log already); stores it when the interval
   * has passed since the last write and none is in flight. Never waits: the chat path goes on.
   */
  offer(text: string): void {
    const now = this.#clock.now();
    if (this.#writing || text.length === this.#savedLength || now - this.#lastAt < this.#intervalMs) return;
    this.#lastAt = now;
    this.#writing = this.#chats
      .saveProgress(this.#messageId, text)
      .then(
        () => {
          this.#savedLength = text.length;
        },
        (error: unknown) => {
          this.#onError(error);
        },
      )
      .finally(() => {
        this.#writing = null;
      });
  }

  /** Resolves once no write is in flight (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    await this.#writing;
  }
}

/**
 * The chat module's cache and registry keys: the one place they are spelled. Its bus topics
 * (generation queue, cancel signal, answer log) are declared in `@parley/contracts` as `chatTopics`.
 */
export const chatKeys = {
  /** Cache flag of a cancelled answer, for a worker that has not started it yet. */
  cancelFlag: (messageId: string) => `chat:cancel:${messageId}`,
  /** Cache key of the worker generating an answer now (renewed while it runs). */
  lease: (messageId: string) => `chat:lease:${messageId}`,
  /** Cache key set once an answer's generation started: a second start would reuse indexes. */
  started: (messageId: string) => `chat:started:${messageId}`,
  /** Cache key taken by the one worker that generates an answer again after its first worker died. */
  retried: (messageId: string) => `chat:retried:${messageId}`,
  /** Cache copy of an answer's generation job while it runs, for the sweep to enqueue it again. */
  job: (messageId: string) => `chat:job:${messageId}`,
  /** Registry kind of a user's open event streams (the per-user limit). */
  userStreams: (userId: string) => `sse-user-${userId}`,
  /** Registry kind of a conversation's open event streams (presence). */
  conversationStreams: (conversationId: string) => `sse-conv-${conversationId}`,
};

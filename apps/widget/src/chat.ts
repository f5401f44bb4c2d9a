/**
 * The widget's chat, in the launcher's shadow root (or filling the iframe page): the greeting,
 * the visitor's conversation, answers streaming with citations, resumed after a reload, and
 * errors in plain words. Loaded only when the visitor opens the widget.
 */
import type {
  AnswerSource,
  ChatEvent,
  VisitorExchange,
  VisitorMessage,
  WidgetPublicConfig,
} from "@parley/contracts";
import { ApiError, VisitorApi } from "./api.ts";
import { renderAnswer, renderSources } from "./render.ts";
import {
  load,
  newIdempotencyKey,
  save,
  type ChatBundle,
  type MountOptions,
  type PendingMessage,
} from "./shared.ts";
import { chatStyles } from "./styles.ts";
import { wordingOf } from "./wording.ts";

/** An answer on screen, with what its stream has told so far. */
interface Answer {
  el: HTMLElement;
  text: string;
  sources: AnswerSource[];
  /** The next delta index expected; -1 after a snapshot (take whatever follows). */
  next: number;
  status: VisitorMessage["status"];
}

const bundle: ChatBundle = {
  mount(root, options) {
    return new Chat(root, options).handle;
  },
};
window.ParleyWidgetChat = bundle;

declare global {
  interface Window {
    ParleyWidgetChat?: ChatBundle;
  }
}

class Chat {
  readonly handle: { open(): void; close(): void };
  readonly #o: MountOptions;
  readonly #api: VisitorApi;
  readonly #log: HTMLElement;
  readonly #input: HTMLTextAreaElement;
  readonly #send: HTMLButtonElement;
  readonly #stop: HTMLButtonElement;
  readonly #error: HTMLElement;
  readonly #starters: HTMLElement;
  readonly #answers = new Map<string, Answer>();
  #streaming: { messageId: string; abort: AbortController } | null = null;
  #lastEventId: string | undefined;
  #restored = false;

  constructor(root: ShadowRoot, options: MountOptions) {
    this.#o = options;
    this.#api = new VisitorApi(options.boot);
    const { config, frame } = options;
    const style = document.createElement("style");
    style.textContent = chatStyles(
      config.primaryColor,
      config.position === "bottom-left" ? "left" : "right",
      frame,
    );
    const panel = document.createElement("section");
    panel.className = "panel";
    panel.setAttribute("role", frame ? "main" : "dialog");
    panel.setAttribute("aria-label", config.name);
    panel.hidden = true;
    panel.innerHTML = `<header><h2></h2>${frame ? "" : '<button type="button" class="close" aria-label="Close chat">×</button>'}</header>
<div class="log" role="log" aria-live="polite"></div>
<div class="starters"></div>
<p class="error" role="alert" hidden></p>
<form><label class="sr" for="parley-q">Message</label><textarea id="parley-q" rows="1" maxlength="4000" placeholder="Type your message…"></textarea><button type="submit" class="send">Send</button><button type="button" class="stop" hidden>Stop</button></form>`;
    root.append(style, panel);
    const $ = (selector: string) => panel.querySelector(selector) as HTMLElement;
    $("h2").textContent = config.name;
    this.#log = $(".log");
    this.#input = $("textarea") as HTMLTextAreaElement;
    this.#send = $(".send") as HTMLButtonElement;
    this.#stop = $(".stop") as HTMLButtonElement;
    this.#error = $(".error");
    this.#starters = $(".starters");
    this.#greet(config);
    $("form").addEventListener("submit", (e) => {
      e.preventDefault();
      void this.#submit(this.#input.value);
    });
    this.#input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        void this.#submit(this.#input.value);
      }
    });
    this.#stop.addEventListener("click", () => {
      void this.#cancel();
    });
    panel.querySelector(".close")?.addEventListener("click", () => {
      this.handle.close();
    });
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !frame) this.handle.close();
    });
    this.#log.addEventListener("click", (e) => {
      const chip = (e.target as HTMLElement).closest<HTMLElement>(".cite");
      if (chip) this.#showSource(chip);
    });
    this.handle = {
      open: () => {
        panel.hidden = false;
        this.#input.focus();
        if (!this.#restored) {
          this.#restored = true;
          void this.#restore();
        }
      },
      close: () => {
        panel.hidden = true;
        this.#o.onClose?.();
      },
    };
  }

  #greet(config: WidgetPublicConfig): void {
    if (config.greeting) this.#bubble("assistant").textContent = config.greeting;
    for (const prompt of config.starterPrompts) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "starter";
      b.textContent = prompt;
      b.addEventListener("click", () => {
        void this.#submit(prompt);
      });
      this.#starters.append(b);
    }
  }

  /**
   * The conversation this visitor had open on this site, with an answer still streaming followed;
   * a message sent just before a reload, whose answer never arrived, is sent again first (under
   * its key: stored once, whether or not the first request had reached the server).
   */
  async #restore(): Promise<void> {
    const pending = load(this.#o.boot.key).pending;
    if (pending) {
      try {
        await this.#deliver(pending);
      } catch (error) {
        if (!(error instanceof ApiError)) {
          this.#fail(error);
          return;
        }
        // Refused now: the visitor reads why, and has their words back to send again.
        this.#input.value = pending.content;
        this.#fail(error);
      }
    }
    const id = load(this.#o.boot.key).conversationId;
    if (!id) return;
    try {
      const conversation = await this.#api.get(id);
      this.#starters.replaceChildren();
      for (const m of conversation.messages) this.#show(m);
      const last = conversation.messages.at(-1);
      if (last?.role === "assistant" && last.status === "streaming") void this.#follow(id, last.id);
    } catch (error) {
      // Gone (another visitor now, a rotated key): start afresh.
      save(this.#o.boot.key, { conversationId: undefined });
      if (!(error instanceof ApiError && error.status === 404)) this.#fail(error);
    }
  }

  async #submit(raw: string): Promise<void> {
    const content = raw.trim();
    if (!content || this.#streaming) return;
    this.#fail(null);
    this.#send.disabled = true;
    try {
      const { conversationId, pending } = load(this.#o.boot.key);
      // The same words again after a lost connection: the same key, so they are not asked twice.
      const again = pending?.content === content && pending.conversationId === conversationId;
      const exchange = await this.#deliver({
        key: again ? pending.key : newIdempotencyKey(),
        content,
        ...(conversationId ? { conversationId } : {}),
      });
      this.#input.value = "";
      this.#starters.replaceChildren();
      this.#show(exchange.userMessage);
      this.#show(exchange.assistantMessage);
      void this.#follow(exchange.conversationId, exchange.assistantMessage.id);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#send.disabled = false;
    }
  }

  /**
   * Sends `message`, remembered as pending until the server answers: a refusal forgets it too (it
   * was answered), a lost connection or a reload keeps it for {@link #restore}.
   */
  async #deliver(message: PendingMessage): Promise<VisitorExchange> {
    save(this.#o.boot.key, { pending: message });
    let exchange: VisitorExchange;
    try {
      exchange = await this.#api.deliver(message);
    } catch (error) {
      if (error instanceof ApiError) save(this.#o.boot.key, { pending: undefined });
      throw error;
    }
    save(this.#o.boot.key, { conversationId: exchange.conversationId, pending: undefined });
    return exchange;
  }

  /**
   * Follows answer `messageId` on the conversation's events until it ends: from the answer's start
   * (a reload replays it), then from the last event seen whenever the connection drops.
   */
  async #follow(conversationId: string, messageId: string): Promise<void> {
    this.#streaming?.abort.abort();
    const abort = new AbortController();
    this.#streaming = { messageId, abort };
    this.#busy(true);
    const stopped = () => abort.signal.aborted;
    for (let attempt = 0; !stopped() && attempt < 30; attempt++) {
      try {
        const { done } = await this.#api.follow(
          conversationId,
          this.#lastEventId,
          (event, id) => {
            if (id) this.#lastEventId = id;
            this.#apply(event);
          },
          abort.signal,
        );
        // What ended before the stream opened is in the conversation itself.
        if (attempt === 0) {
          const stored = (await this.#api.get(conversationId)).messages.find((m) => m.id === messageId);
          if (stored && stored.status !== "streaming") this.#settle(stored);
        }
        await done;
      } catch (error) {
        if (stopped()) break;
        if (error instanceof ApiError && error.status < 500 && error.code !== "rate_limit.exceeded") {
          this.#fail(error);
          break;
        }
      }
      if (!stopped()) await new Promise((r) => setTimeout(r, 1000));
    }
    this.#finished(messageId);
  }

  /** The stream of answer `messageId` is over: the form sends again (unless another one follows). */
  #finished(messageId: string): void {
    if (this.#streaming?.messageId !== messageId) return;
    this.#streaming = null;
    this.#busy(false);
  }

  #apply(event: ChatEvent): void {
    const answer = this.#answers.get(event.messageId);
    if (!answer) return;
    switch (event.type) {
      case "message.started":
      case "message.restarted":
        Object.assign(answer, { text: "", sources: [], next: 0, status: "streaming" });
        break;
      case "snapshot":
        Object.assign(answer, {
          text: event.text,
          sources: event.sources ?? [],
          next: -1,
          status: event.status,
        });
        break;
      case "message.sources":
        answer.sources = event.sources;
        break;
      case "message.delta":
        if (answer.next !== -1 && event.index < answer.next) return;
        answer.text += event.text;
        answer.next = answer.next === -1 ? -1 : event.index + 1;
        break;
      case "message.completed":
        answer.status = "completed";
        break;
      case "message.cancelled":
        answer.status = "cancelled";
        break;
      case "message.failed":
        answer.status = "failed";
        answer.el.classList.add("failed");
        answer.text = wordingOf(event.error.code, event.error.message);
        answer.sources = [];
        break;
      default:
        return;
    }
    this.#paint(answer);
    if (answer.status !== "streaming" && this.#streaming?.messageId === event.messageId)
      this.#streaming.abort.abort();
  }

  /** An answer the conversation says has ended (it ended before its stream opened). */
  #settle(message: VisitorMessage): void {
    const answer = this.#answers.get(message.id);
    if (!answer || answer.status !== "streaming") return;
    this.#answers.delete(message.id);
    answer.el.remove();
    this.#show(message);
    this.#streaming?.abort.abort();
  }

  #show(message: VisitorMessage): void {
    const el = this.#bubble(message.role);
    if (message.role === "user") {
      el.textContent = message.content;
      return;
    }
    const answer: Answer = {
      el,
      text:
        message.status === "failed"
          ? wordingOf(message.error?.code ?? "", message.error?.message)
          : message.content,
      sources: message.sources ?? [],
      next: message.status === "streaming" ? 0 : -1,
      status: message.status,
    };
    if (message.status === "failed") el.classList.add("failed");
    this.#answers.set(message.id, answer);
    this.#paint(answer);
  }

  #paint(answer: Answer): void {
    const streaming = answer.status === "streaming";
    answer.el.classList.toggle("typing", streaming);
    answer.el.setAttribute("aria-busy", String(streaming));
    answer.el.innerHTML =
      answer.status === "failed"
        ? ""
        : renderAnswer(answer.text, answer.sources) + (streaming ? "" : renderSources(answer.sources));
    if (answer.status === "failed") answer.el.textContent = answer.text;
    if (answer.status === "cancelled" && !answer.text) answer.el.textContent = "Stopped.";
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #bubble(role: "user" | "assistant"): HTMLElement {
    const el = document.createElement("div");
    el.className = `msg ${role}`;
    this.#log.append(el);
    return el;
  }

  #showSource(chip: HTMLElement): void {
    const message = chip.closest(".msg");
    const details = message?.querySelector<HTMLDetailsElement>(".sources");
    const item = message?.querySelector<HTMLElement>(`.sources li[data-n="${chip.dataset.n ?? ""}"]`);
    if (!details || !item) return;
    details.open = true;
    for (const li of details.querySelectorAll("li")) li.classList.toggle("hl", li === item);
    item.scrollIntoView({ block: "nearest" });
  }

  async #cancel(): Promise<void> {
    const current = this.#streaming;
    if (!current) return;
    await this.#api.cancel(current.messageId).catch((error: unknown) => {
      this.#fail(error);
    });
  }

  #busy(busy: boolean): void {
    this.#send.hidden = busy;
    this.#stop.hidden = !busy;
  }

  #fail(error: unknown): void {
    if (error === null) {
      this.#error.hidden = true;
      return;
    }
    this.#error.textContent =
      error instanceof ApiError ? wordingOf(error.code, error.message) : wordingOf("request.failed");
    this.#error.hidden = false;
  }
}

// The iframe page (`/widget/{key}`): the chat fills the frame.
const frame = document.getElementById("parley-widget-frame");
if (frame?.dataset.parleyWidget) void mountFrame(frame, frame.dataset.parleyWidget);

async function mountFrame(el: HTMLElement, key: string): Promise<void> {
  const boot = {
    api: location.origin,
    key,
    userId: el.dataset.parleyUserId,
    signature: el.dataset.parleySignature,
  };
  const res = await fetch(`${boot.api}/api/v1/widget-api/${encodeURIComponent(key)}`);
  if (!res.ok) {
    el.textContent = wordingOf("widget.not_found");
    return;
  }
  const config = (await res.json()) as WidgetPublicConfig;
  bundle.mount(el.attachShadow({ mode: "open" }), { boot, config, frame: true }).open();
}

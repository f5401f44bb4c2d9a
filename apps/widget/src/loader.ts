/**
 * The embed snippet's script (`<script src=".../widget/v1/loader.js" data-parley-widget="wk_…"
 * async>`): reads its widget key from its own tag, draws the launcher button in a shadow root
 * (the host page's styles and scripts do not reach into it), and loads the chat bundle only
 * when the visitor opens it (or had it open before a reload).
 */
import type { WidgetPublicConfig } from "@parley/contracts";
import { apiBase, load, save, type Boot, type ChatBundle } from "./shared.ts";

declare global {
  interface Window {
    ParleyWidgetChat?: ChatBundle;
  }
}

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';

const script =
  (document.currentScript as HTMLScriptElement | null) ??
  document.querySelector<HTMLScriptElement>("script[data-parley-widget]");
if (script?.dataset.parleyWidget) void start(script, script.dataset.parleyWidget);

async function start(tag: HTMLScriptElement, key: string): Promise<void> {
  const boot: Boot = {
    api: new URL(tag.src, location.href).origin,
    key,
    userId: tag.dataset.parleyUserId,
    signature: tag.dataset.parleySignature,
  };
  const res = await fetch(apiBase(boot), { credentials: "omit" }).catch(() => null);
  if (!res?.ok) {
    console.warn(`Parley widget ${key}: not available on this site (${res ? res.status : "offline"})`);
    return;
  }
  const config = (await res.json()) as WidgetPublicConfig;
  const host = document.createElement("div");
  host.setAttribute("data-parley-widget-host", "");
  const root = host.attachShadow({ mode: "open" });
  const side = config.position === "bottom-left" ? "left" : "right";
  root.innerHTML = `<style>:host{all:initial}.launcher{position:fixed;bottom:20px;${side}:20px;z-index:2147483646;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;background:${config.primaryColor};color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}.launcher:focus-visible{outline:3px solid #111;outline-offset:3px}.launcher[hidden]{display:none}</style><button type="button" class="launcher" part="launcher" aria-haspopup="dialog"></button>`;
  const launcher = root.querySelector(".launcher") as HTMLButtonElement;
  launcher.innerHTML = CHAT_ICON;
  launcher.setAttribute("aria-label", `Open chat: ${config.name}`);
  document.body.append(host);

  let chat: { open(): void } | null = null;
  const open = async () => {
    launcher.hidden = true;
    save(key, { open: true });
    if (!chat) {
      const bundle = await loadChat(boot.api);
      chat = bundle.mount(root, {
        boot,
        config,
        frame: false,
        onClose: () => {
          launcher.hidden = false;
          save(key, { open: false });
          launcher.focus();
        },
      });
    }
    chat.open();
  };
  launcher.addEventListener("click", () => {
    void open();
  });
  if (load(key).open) void open();
}

/** Loads the chat bundle once (a classic script from Parley's origin). */
function loadChat(api: string): Promise<ChatBundle> {
  if (window.ParleyWidgetChat) return Promise.resolve(window.ParleyWidgetChat);
  return new Promise((resolve, reject) => {
    const tag = document.createElement("script");
    tag.src = `${api}/widget/v1/chat.js`;
    tag.async = true;
    tag.onload = () => {
      if (window.ParleyWidgetChat) resolve(window.ParleyWidgetChat);
      else reject(new Error("no chat"));
    };
    tag.onerror = () => {
      reject(new Error("the chat could not be loaded"));
    };
    document.head.append(tag);
  });
}

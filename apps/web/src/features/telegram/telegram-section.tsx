import type { Assistant, TelegramBot } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";

/** A bot's status in words. */
function statusOf(bot: TelegramBot): string {
  const last = bot.lastUpdateAt
    ? `last message ${new Date(bot.lastUpdateAt).toLocaleString()}`
    : "no message yet";
  return bot.status === "ok" ? `Working, ${last}` : `Failing: ${bot.statusReason ?? "unknown reason"}`;
}

/**
 * The Telegram bots of a team assistant: their status, a form to connect one (its BotFather
 * token, webhook or polling), and disconnecting. Shown to whoever may read the team's bots;
 * the form and the buttons to whoever may manage them.
 */
export function TelegramSection({ assistant }: { assistant: Assistant }) {
  const me = useMe().data;
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const [mode, setMode] = useState<"webhook" | "polling">("webhook");
  const teamId = assistant.teamId;
  const readable = teamId !== null && (me?.permissions.includes("telegram:read") ?? false);
  const manages = me?.permissions.includes("telegram:manage") ?? false;
  const key = ["telegram-bots", assistant.id];
  const bots = useQuery({
    queryKey: key,
    queryFn: () =>
      api<{ items: TelegramBot[] }>(`/api/v1/telegram-bots?assistantId=${encodeURIComponent(assistant.id)}`),
    enabled: readable,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: key });
  const connect = useMutation({
    mutationFn: () =>
      api<TelegramBot>("/api/v1/telegram-bots", {
        method: "POST",
        body: { assistantId: assistant.id, token: token.trim(), mode },
      }),
    onSuccess: async () => {
      setToken("");
      await refresh();
    },
  });
  const disconnect = useMutation({
    mutationFn: (id: string) => api(`/api/v1/telegram-bots/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  if (!readable) return null;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    connect.mutate();
  };
  const items = bots.data?.items ?? [];
  return (
    <section className="panel telegram-section" aria-labelledby="telegram-title">
      <h2 id="telegram-title">Telegram</h2>
      <p className="muted small-text">
        People chat with this assistant in Telegram through a bot. Answers are given, governed and paid for on
        behalf of whoever connects it.
      </p>
      {bots.isPending ? (
        <p className="muted">Loading bots…</p>
      ) : items.length === 0 ? (
        <p className="muted">No bot connected.</p>
      ) : (
        <ul className="telegram-bots">
          {items.map((bot) => (
            <li key={bot.id}>
              <a href={`https://t.me/${bot.username}`} target="_blank" rel="noreferrer">
                @{bot.username}
              </a>{" "}
              <span className="muted small-text">({bot.mode})</span>
              <p className={bot.status === "ok" ? "small-text" : "small-text error"} role="status">
                {statusOf(bot)}
              </p>
              {manages && (
                <button
                  type="button"
                  className="ghost danger"
                  disabled={disconnect.isPending}
                  onClick={() => {
                    if (window.confirm(`Disconnect @${bot.username}? It stops answering.`))
                      disconnect.mutate(bot.id);
                  }}
                >
                  Disconnect @{bot.username}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {manages && (
        <form className="stack-form" onSubmit={submit}>
          <div className="form-row">
            <label>
              Bot token from BotFather
              <input
                type="password"
                required
                autoComplete="off"
                placeholder="123456789:AA…"
                value={token}
                onChange={(e) => {
                  setToken(e.target.value);
                }}
              />
            </label>
            <label className="narrow">
              Mode
              <select
                value={mode}
                onChange={(e) => {
                  setMode(e.target.value === "polling" ? "polling" : "webhook");
                }}
              >
                <option value="webhook">Webhook (public HTTPS URL)</option>
                <option value="polling">Polling (no public URL)</option>
              </select>
            </label>
          </div>
          <div className="button-row">
            <button type="submit" className="primary" disabled={connect.isPending || !token.trim()}>
              {connect.isPending ? "Connecting…" : "Connect bot"}
            </button>
          </div>
        </form>
      )}
      <Alert>{[connect.error, disconnect.error].map((e) => (e ? errorText(e) : "")).find(Boolean)}</Alert>
    </section>
  );
}

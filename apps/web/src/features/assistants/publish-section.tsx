import {
  WidgetHasConversationsDetails,
  type Assistant,
  type CreatedWidget,
  type Me,
  type Widget,
  type WidgetSecret,
} from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { api, ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/** The settings a widget's form holds (origins one per line). */
interface WidgetDraft {
  name: string;
  allowedOrigins: string;
  greeting: string;
  primaryColor: string;
  position: "bottom-right" | "bottom-left";
  mode: "public" | "signed";
  enabled: boolean;
}

function draftOf(w: Widget | null, assistant: Assistant): WidgetDraft {
  return {
    name: w?.name ?? `${assistant.name} on our site`.slice(0, 100),
    allowedOrigins: (w?.allowedOrigins ?? []).join("\n"),
    greeting: w?.greeting ?? "Hi! How can I help?",
    primaryColor: w?.primaryColor ?? "#4f46e5",
    position: w?.position ?? "bottom-right",
    mode: w?.mode ?? "public",
    enabled: w?.enabled ?? true,
  };
}

function bodyOf(d: WidgetDraft) {
  return {
    name: d.name,
    allowedOrigins: d.allowedOrigins
      .split(/\s+/)
      .map((o) => o.trim())
      .filter(Boolean),
    greeting: d.greeting,
    primaryColor: d.primaryColor,
    position: d.position,
    mode: d.mode,
    enabled: d.enabled,
  };
}

/** The embed snippet of widget key `key`. */
/**
 * Unpublishes `widget`. When its visitors hold conversations, the server says how many: they are
 * deleted with it once the person confirms that number.
 */
async function unpublish(widget: Widget): Promise<void> {
  const path = `/api/v1/widgets/${widget.id}`;
  try {
    await api(path, { method: "DELETE" });
  } catch (error) {
    const held =
      error instanceof ApiError && error.code === "widget.has_conversations"
        ? WidgetHasConversationsDetails.safeParse(error.details)
        : null;
    if (!held?.success) throw error;
    const n = held.data.conversations;
    const what = n === 1 ? "1 visitor conversation" : `${n} visitor conversations`;
    if (!window.confirm(`${widget.name} holds ${what}. Unpublishing deletes them too, for good. Go on?`))
      return;
    await api(`${path}?deleteConversations=${n}`, { method: "DELETE" });
  }
}

export function embedSnippet(key: string): string {
  return `<script src="${location.origin}/widget/v1/loader.js" data-parley-widget="${key}" async></script>`;
}

/**
 * The assistant's Publish section: its widgets (a team assistant's only), with their settings, the
 * embed snippet and iframe URL to copy, key and secret rotation, and a live preview. Members with
 * `widgets:read` see it; the team's operators and admins change it.
 */
export function PublishSection({ assistant, me }: { assistant: Assistant; me: Me }) {
  const teamId = assistant.teamId;
  const role = me.teams.find((t) => t.id === teamId)?.role;
  const canRead = role !== undefined && role !== "viewer";
  const canManage = role === "operator" || role === "admin";
  // Kept here: publishing replaces the new widget's form with the published widget's.
  const [secret, setSecret] = useState<string | null>(null);
  const widgets = useQuery({
    queryKey: ["widgets", assistant.id],
    queryFn: () => api<{ items: Widget[] }>(`/api/v1/widgets?assistantId=${assistant.id}`),
    enabled: canRead && teamId !== null,
  });
  if (!teamId || !canRead) return null;
  return (
    <section className="publish-section" aria-labelledby="publish-title">
      <h2 id="publish-title">Publish</h2>
      <p className="muted small-text">
        Put this assistant on your websites as a chat widget. Visitors are answered with your access in the
        team; their messages count against the widget&apos;s limits and the team&apos;s budgets.
      </p>
      {widgets.data?.items.map((w) => (
        <WidgetEditor
          key={w.id}
          assistant={assistant}
          widget={w}
          canManage={canManage}
          onSecret={setSecret}
        />
      ))}
      {canManage && widgets.data && widgets.data.items.length === 0 && (
        <WidgetEditor assistant={assistant} widget={null} canManage onSecret={setSecret} />
      )}
      {secret && (
        <p className="small-text" role="status">
          Secret (sign user ids with HMAC-SHA256 on your server): <code>{secret}</code>
        </p>
      )}
      <Alert>{widgets.error ? errorText(widgets.error) : ""}</Alert>
    </section>
  );
}

function WidgetEditor({
  assistant,
  widget,
  canManage,
  onSecret: setSecret,
}: {
  assistant: Assistant;
  widget: Widget | null;
  canManage: boolean;
  onSecret: (secret: string) => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(() => draftOf(widget, assistant));
  const [copied, setCopied] = useState("");
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["widgets", assistant.id] });
  const save = useMutation({
    mutationFn: () =>
      widget
        ? api<Widget>(`/api/v1/widgets/${widget.id}`, { method: "PATCH", body: bodyOf(draft) })
        : api<CreatedWidget>("/api/v1/widgets", {
            method: "POST",
            body: { ...bodyOf(draft), teamId: assistant.teamId, assistantId: assistant.id },
          }),
    onSuccess: async (saved) => {
      const created = saved as Partial<CreatedWidget>;
      if (created.secret) setSecret(created.secret);
      await refresh();
    },
  });
  const action = useMutation({
    mutationFn: async (kind: "rotate-key" | "rotate-secret" | "secret" | "delete") => {
      if (!widget) return;
      if (kind === "delete") return unpublish(widget);
      const path = `/api/v1/widgets/${widget.id}/${kind}`;
      if (kind === "rotate-key") return api<Widget>(path, { method: "POST" });
      const result = await api<WidgetSecret>(path, { method: kind === "secret" ? "GET" : "POST" });
      setSecret(result.secret);
      return result;
    },
    onSuccess: refresh,
  });
  const copy = async (label: string, text: string) => {
    await navigator.clipboard.writeText(text).catch(() => undefined);
    setCopied(label);
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const field = (key: "name" | "allowedOrigins" | "greeting" | "primaryColor" | "position" | "mode") => ({
    value: draft[key],
    disabled: !canManage,
    onChange: (e: { target: { value: string } }) => {
      setDraft((d) => ({ ...d, [key]: e.target.value }));
    },
  });
  const frameUrl = widget ? `${location.origin}/widget/${widget.key}` : "";
  return (
    <div className="widget-editor">
      <form
        className="stack-form"
        onSubmit={submit}
        aria-label={widget ? `Widget ${widget.name}` : "New widget"}
      >
        <div className="form-row">
          <label>
            Widget name
            <input required maxLength={100} {...field("name")} />
          </label>
          <label className="narrow">
            Colour
            <input type="color" {...field("primaryColor")} />
          </label>
        </div>
        <label>
          Allowed origins (one per line, such as https://www.example.com)
          <textarea rows={2} {...field("allowedOrigins")} />
        </label>
        <label>
          Greeting
          <input maxLength={500} {...field("greeting")} />
        </label>
        <div className="form-row">
          <label>
            Position
            <select {...field("position")}>
              <option value="bottom-right">Bottom right</option>
              <option value="bottom-left">Bottom left</option>
            </select>
          </label>
          <label>
            Visitors
            <select {...field("mode")}>
              <option value="public">Anyone on these sites</option>
              <option value="signed">Only users my site signs</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={draft.enabled}
              disabled={!canManage}
              onChange={(e) => {
                setDraft((d) => ({ ...d, enabled: e.target.checked }));
              }}
            />{" "}
            Switched on
          </label>
        </div>
        {canManage && (
          <div className="button-row">
            <button type="submit" className="primary" disabled={save.isPending}>
              {widget ? "Save widget" : "Publish as a widget"}
            </button>
            {widget && (
              <>
                <button
                  type="button"
                  className="ghost"
                  onClick={() => {
                    action.mutate("rotate-key");
                  }}
                >
                  Rotate key
                </button>
                <button
                  type="button"
                  className="ghost"
                  onClick={() => {
                    action.mutate(draft.mode === "signed" ? "secret" : "rotate-secret");
                  }}
                >
                  {draft.mode === "signed" ? "Show secret" : "New secret"}
                </button>
                <button
                  type="button"
                  className="ghost danger"
                  onClick={() => {
                    if (window.confirm(`Unpublish ${widget.name}? Its snippet stops working.`))
                      action.mutate("delete");
                  }}
                >
                  Unpublish
                </button>
              </>
            )}
          </div>
        )}
        {save.isSuccess && (
          <p className="muted small-text" role="status">
            Saved.
          </p>
        )}
        <Alert>{[save.error, action.error].map((e) => (e ? errorText(e) : "")).find(Boolean)}</Alert>
      </form>
      {widget && (
        <>
          <h3>Embed</h3>
          <div className="code-block">
            <pre aria-label="Embed snippet">
              <code>{embedSnippet(widget.key)}</code>
            </pre>
            <button
              type="button"
              className="copy ghost"
              onClick={() => void copy("snippet", embedSnippet(widget.key))}
            >
              Copy snippet
            </button>
          </div>
          <div className="code-block">
            <pre aria-label="Iframe URL">
              <code>{frameUrl}</code>
            </pre>
            <button type="button" className="copy ghost" onClick={() => void copy("iframe URL", frameUrl)}>
              Copy iframe URL
            </button>
          </div>
          {copied && (
            <p className="muted small-text" role="status">
              Copied the {copied}.
            </p>
          )}
          <h3>Live preview</h3>
          {widget.enabled ? (
            <iframe
              className="widget-preview"
              key={`${widget.key}-${widget.updatedAt}`}
              src={frameUrl}
              title={`Preview of ${widget.name}`}
            />
          ) : (
            <p className="muted small-text">Switch the widget on to preview it.</p>
          )}
        </>
      )}
    </div>
  );
}

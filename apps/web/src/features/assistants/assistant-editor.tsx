import type { Assistant, Model } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { AssistantPreview } from "./assistant-preview.tsx";
import { KnowledgePicker } from "./knowledge-picker.tsx";
import { PublishSection } from "./publish-section.tsx";
import { StartChatButton } from "./start-chat-button.tsx";
import { TelegramSection } from "../telegram/telegram-section.tsx";

/** The editable fields of an assistant, as the form holds them (numbers as typed text). */
interface Draft {
  name: string;
  icon: string;
  description: string;
  instructions: string;
  model: string;
  temperature: string;
  maxOutputTokens: string;
  starterPrompts: string;
  visibility: "private" | "team";
  teamId: string;
  knowledgeBaseIds: string[];
}

function draftOf(a: Assistant | null, firstTeam: string): Draft {
  return {
    name: a?.name ?? "",
    icon: a?.icon ?? "",
    description: a?.description ?? "",
    instructions: a?.instructions ?? "",
    model: a?.model ?? "",
    temperature: a?.temperature === null || a?.temperature === undefined ? "" : String(a.temperature),
    maxOutputTokens: a?.maxOutputTokens ? String(a.maxOutputTokens) : "",
    starterPrompts: (a?.starterPrompts ?? []).join("\n"),
    visibility: a?.visibility ?? "team",
    teamId: a?.teamId ?? firstTeam,
    knowledgeBaseIds: a?.knowledgeBaseIds ?? [],
  };
}

/** The request body of a draft: empty optional fields are left out (new) or cleared (existing). */
function bodyOf(d: Draft, existing: boolean): Record<string, unknown> {
  const optional = (value: string, parse: (v: string) => unknown = (v) => v) =>
    value.trim() === "" ? (existing ? null : undefined) : parse(value.trim());
  const body: Record<string, unknown> = {
    name: d.name,
    description: d.description,
    instructions: d.instructions,
    icon: optional(d.icon),
    model: optional(d.model),
    temperature: optional(d.temperature, Number),
    maxOutputTokens: optional(d.maxOutputTokens, Number),
    starterPrompts: d.starterPrompts
      .split("\n")
      .map((p) => p.trim())
      .filter(Boolean),
  };
  if (d.teamId) body.visibility = d.visibility;
  if (existing || d.knowledgeBaseIds.length) body.knowledgeBaseIds = d.knowledgeBaseIds;
  if (!existing && d.teamId) body.teamId = d.teamId;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** Creates or changes an assistant; duplicates, deletes and starts a chat with a saved one. */
export function AssistantEditor({ assistant, models }: { assistant: Assistant | null; models: Model[] }) {
  const me = useMe().data;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const writableTeams = (me?.teams ?? []).filter((t) => t.role !== "viewer");
  const personal = me?.permissions.includes("assistants:write") ?? false;
  const [draft, setDraft] = useState<Draft>(() =>
    draftOf(assistant, personal ? "" : (writableTeams[0]?.id ?? "")),
  );
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
  };
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["assistants"] });
  const save = useMutation({
    mutationFn: () =>
      assistant
        ? api<Assistant>(`/api/v1/assistants/${assistant.id}`, { method: "PATCH", body: bodyOf(draft, true) })
        : api<Assistant>("/api/v1/assistants", { method: "POST", body: bodyOf(draft, false) }),
    onSuccess: async (saved) => {
      await refresh();
      if (!assistant) await navigate(`/assistants/${saved.id}`);
    },
  });
  const duplicate = useMutation({
    mutationFn: () =>
      api<Assistant>(`/api/v1/assistants/${assistant?.id ?? ""}/duplicate`, { method: "POST", body: {} }),
    onSuccess: async (copy) => {
      await refresh();
      await navigate(`/assistants/${copy.id}`);
    },
  });
  const remove = useMutation({
    mutationFn: () => api(`/api/v1/assistants/${assistant?.id ?? ""}`, { method: "DELETE" }),
    onSuccess: async () => {
      await refresh();
      await navigate("/assistants");
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const field = (key: keyof Draft) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => {
      set({ [key]: e.target.value });
    },
  });
  const title = assistant ? assistant.name : "New assistant";
  return (
    <section className="panel assistant-editor" aria-labelledby="assistant-title">
      <h1 id="assistant-title">
        <span aria-hidden="true">{draft.icon || "🤖"}</span> {title}
      </h1>
      {assistant && (
        <p className="muted small-text">
          On the OpenAI-compatible API: <code>assistant/{assistant.slug}</code>
        </p>
      )}
      <form className="stack-form" onSubmit={submit}>
        <div className="form-row">
          <label>
            Name
            <input required maxLength={100} {...field("name")} />
          </label>
          <label className="narrow">
            Icon
            <input maxLength={16} placeholder="🤖" {...field("icon")} />
          </label>
        </div>
        <label>
          Description
          <input maxLength={500} placeholder="What it is good at" {...field("description")} />
        </label>
        <label>
          Instructions
          <textarea
            rows={8}
            maxLength={20_000}
            placeholder="You are… Answer with… Never…"
            {...field("instructions")}
          />
        </label>
        <div className="form-row">
          <label>
            Model
            <select {...field("model")}>
              <option value="">Default model</option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                </option>
              ))}
            </select>
          </label>
          <label className="narrow">
            Temperature
            <input type="number" min={0} max={2} step={0.1} placeholder="default" {...field("temperature")} />
          </label>
          <label className="narrow">
            Max output tokens
            <input type="number" min={1} max={200_000} placeholder="default" {...field("maxOutputTokens")} />
          </label>
        </div>
        <label>
          Starter prompts (one per line, at most 6)
          <textarea rows={3} {...field("starterPrompts")} />
        </label>
        <div className="form-row">
          {!assistant && (
            <label>
              Where
              <select {...field("teamId")}>
                {personal && <option value="">Just me (personal)</option>}
                {writableTeams.map((t) => (
                  <option key={t.id} value={t.id}>
                    Team {t.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {draft.teamId && (
            <label>
              Who sees it
              <select {...field("visibility")}>
                <option value="team">Everyone in the team</option>
                <option value="private">Just me</option>
              </select>
            </label>
          )}
        </div>
        <KnowledgePicker
          selected={draft.knowledgeBaseIds}
          onChange={(knowledgeBaseIds) => {
            set({ knowledgeBaseIds });
          }}
          teamId={draft.teamId}
          teamVisible={draft.teamId !== "" && draft.visibility === "team"}
          teams={me?.teams ?? []}
        />
        <div className="button-row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : assistant ? "Save changes" : "Create assistant"}
          </button>
          {assistant && (
            <>
              <StartChatButton assistant={assistant} />
              <button
                type="button"
                className="ghost"
                disabled={duplicate.isPending}
                onClick={() => {
                  duplicate.mutate();
                }}
              >
                Duplicate
              </button>
              <button
                type="button"
                className="ghost danger"
                disabled={remove.isPending}
                onClick={() => {
                  if (window.confirm(`Delete ${assistant.name}? Its conversations stay, without it.`))
                    remove.mutate();
                }}
              >
                Delete
              </button>
            </>
          )}
        </div>
        {save.isSuccess && assistant && (
          <p className="muted small-text" role="status">
            Saved.
          </p>
        )}
        <Alert>
          {[save.error, duplicate.error, remove.error].map((e) => (e ? errorText(e) : "")).find(Boolean)}
        </Alert>
      </form>
      {assistant && <AssistantPreview key={assistant.updatedAt} assistant={assistant} />}
      {assistant && me && <PublishSection assistant={assistant} me={me} />}
      {assistant && <TelegramSection assistant={assistant} />}
    </section>
  );
}

import * as Dialog from "@radix-ui/react-dialog";
import type { ConversationWithMessages, UpdateConversationRequest } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";

/** What the dialog sets. */
export type ConversationSettings = Pick<
  UpdateConversationRequest,
  "systemPrompt" | "temperature" | "maxOutputTokens"
>;

/** The form's text for an optional number (empty: none). */
const text = (n: number | null | undefined) => (n === null || n === undefined ? "" : String(n));

/**
 * A conversation's own instructions (a system prompt every answer gets) and answer parameters
 * (temperature, output limit); empty fields leave the model's defaults.
 */
export function ConversationSettingsDialog({
  id,
  unsaved,
  open,
  onOpenChange,
  onSave,
}: {
  /** The stored conversation; null for a new chat not stored yet, whose settings are `unsaved`. */
  id: string | null;
  unsaved?: ConversationSettings;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSave: (patch: ConversationSettings) => void;
}) {
  const conversation = useQuery({
    queryKey: ["conversation", id],
    queryFn: () => api<ConversationWithMessages>(`/api/v1/conversations/${id ?? ""}`),
    enabled: open && id !== null,
  });
  const current = id === null ? { updatedAt: "unsaved", ...unsaved } : conversation.data;
  const [prompt, setPrompt] = useState("");
  const [temperature, setTemperature] = useState("");
  const [maxOutput, setMaxOutput] = useState("");
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  // The form starts from the stored settings once they are read (each time it opens).
  if (open && current && loadedFor !== current.updatedAt) {
    setLoadedFor(current.updatedAt);
    setPrompt(current.systemPrompt ?? "");
    setTemperature(text(current.temperature));
    setMaxOutput(text(current.maxOutputTokens));
  }
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (!next) setLoadedFor(null);
        onOpenChange(next);
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" aria-describedby="conversation-settings-help">
          <Dialog.Title>Conversation settings</Dialog.Title>
          <p id="conversation-settings-help" className="muted">
            Apply to every answer in this conversation. Leave a field empty for the model&apos;s default.
          </p>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              onSave({
                systemPrompt: prompt.trim() ? prompt : null,
                temperature: temperature === "" ? null : Number(temperature),
                maxOutputTokens: maxOutput === "" ? null : Number(maxOutput),
              });
              onOpenChange(false);
            }}
          >
            <label>
              System prompt
              <textarea
                rows={5}
                maxLength={20_000}
                placeholder="You are a careful reviewer. Answer in short bullet points."
                value={prompt}
                onChange={(e) => {
                  setPrompt(e.target.value);
                }}
              />
            </label>
            <div className="row wrap">
              <label>
                Temperature (0–2)
                <input
                  type="number"
                  min={0}
                  max={2}
                  step={0.1}
                  value={temperature}
                  onChange={(e) => {
                    setTemperature(e.target.value);
                  }}
                />
              </label>
              <label>
                Output limit (tokens)
                <input
                  type="number"
                  min={1}
                  max={100_000}
                  step={1}
                  value={maxOutput}
                  onChange={(e) => {
                    setMaxOutput(e.target.value);
                  }}
                />
              </label>
            </div>
            <div className="dialog-actions">
              <Dialog.Close asChild>
                <button type="button">Cancel</button>
              </Dialog.Close>
              <button type="submit" className="primary" disabled={!current}>
                Save settings
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

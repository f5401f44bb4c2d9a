import { useState } from "react";
import { useNavigate } from "react-router";
import { ConfirmDialog, PromptDialog } from "../../components/ui/dialog.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { Menu } from "../../components/ui/menu.tsx";
import { ConversationSettingsDialog } from "./conversation-settings.tsx";
import { downloadMarkdown } from "./export-markdown.ts";
import { useConversationEdits } from "./use-chat-actions.ts";

/** The ⋯ menu of a conversation: rename (in a dialog), settings, export as Markdown, delete (after confirming). */
export function ConversationMenu({ id, title, active }: { id: string; title: string; active: boolean }) {
  const navigate = useNavigate();
  const actions = useConversationEdits(id);
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  return (
    <>
      <Menu
        label={`Options for ${title}`}
        items={[
          {
            label: "Rename",
            onSelect: () => {
              setRenaming(true);
            },
          },
          {
            label: "Settings…",
            onSelect: () => {
              setConfiguring(true);
            },
          },
          {
            label: "Export as Markdown",
            onSelect: () => {
              void downloadMarkdown(id);
            },
          },
          {
            label: "Delete",
            onSelect: () => {
              setDeleting(true);
            },
            danger: true,
          },
        ]}
      >
        <Icon name="more" />
      </Menu>
      <PromptDialog
        open={renaming}
        onOpenChange={setRenaming}
        title="Rename conversation"
        label="Title"
        initial={title}
        onSubmit={(value) => {
          actions.update.mutate({ title: value });
        }}
      />
      <ConversationSettingsDialog
        id={id}
        open={configuring}
        onOpenChange={setConfiguring}
        onSave={(patch) => {
          actions.update.mutate(patch);
        }}
      />
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title="Delete this conversation?"
        description={`“${title}” and all its messages will be deleted. This cannot be undone.`}
        confirmLabel="Delete"
        onConfirm={() => {
          actions.remove.mutate(undefined, {
            onSuccess: () => {
              if (active) void navigate("/");
            },
          });
        }}
      />
    </>
  );
}

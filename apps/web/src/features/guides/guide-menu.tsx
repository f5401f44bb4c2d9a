import type { Guide } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog, PromptDialog } from "../../components/ui/dialog.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { Menu } from "../../components/ui/menu.tsx";
import { errorText } from "../../failures.ts";
import { createTemplate, deleteGuide, guideKeys, updateGuide } from "./guides-api.ts";
import { withTeam } from "./use-guide-team.ts";

/** A guide's other actions: archive or restore, save as a team template, delete (confirmed). */
export function GuideMenu({ guide }: { guide: Guide }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [naming, setNaming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const lists = () => queryClient.invalidateQueries({ queryKey: guideKeys.lists(guide.teamId) });
  const archive = useMutation({
    mutationFn: () => updateGuide(guide.id, { archived: guide.archivedAt === null }),
    onSuccess: async (next) => {
      queryClient.setQueryData(guideKeys.one(guide.id), next);
      await lists();
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteGuide(guide.id),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: guideKeys.one(guide.id) });
      await lists();
      await navigate(withTeam("/guides", guide.teamId));
    },
  });
  const template = useMutation({
    mutationFn: (name: string) =>
      createTemplate({
        teamId: guide.teamId,
        name,
        description: guide.description,
        title: guide.title,
        content: guide.content,
        tags: guide.tags,
      }),
    onSuccess: async (saved) => {
      setNotice(`Saved as the team template “${saved.name}”.`);
      await queryClient.invalidateQueries({ queryKey: guideKeys.templates(guide.teamId) });
    },
  });
  const error = archive.error ?? remove.error ?? template.error;
  return (
    <>
      <Menu
        label={`More actions for ${guide.title}`}
        items={[
          {
            label: guide.archivedAt ? "Restore" : "Archive",
            onSelect: () => {
              archive.mutate();
            },
          },
          {
            label: "Save as template",
            onSelect: () => {
              setNotice(null);
              setNaming(true);
            },
          },
          {
            label: "Delete",
            danger: true,
            onSelect: () => {
              setConfirming(true);
            },
          },
        ]}
      >
        <Icon name="more" />
      </Menu>
      <PromptDialog
        open={naming}
        onOpenChange={setNaming}
        title="Save as a team template"
        label="Template name"
        initial={guide.title}
        submitLabel="Save template"
        onSubmit={(name) => {
          template.mutate(name);
        }}
      />
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete “${guide.title}”?`}
        description="The guide and its tasks are deleted for everyone in the team. Archive it instead to keep it out of the list."
        confirmLabel="Delete guide"
        onConfirm={() => {
          remove.mutate();
        }}
      />
      {notice && (
        <p role="status" className="small-text ok guide-notice">
          {notice}
        </p>
      )}
      <Alert inline>{error ? errorText(error) : null}</Alert>
    </>
  );
}

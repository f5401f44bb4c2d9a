import type { Guide, Page, Project } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { GuideDocument } from "./guide-document.tsx";
import { NEW_GUIDE_MARKDOWN, parseTags } from "./guide-form.ts";
import { createGuide, getGuide, guideKeys, updateGuide } from "./guides-api.ts";
import { withTeam } from "./use-guide-team.ts";

/**
 * The markdown editor of a guide, new (`guide` null) or existing, with a live preview beside it.
 * An existing guide is saved with the version it was opened at: when someone changed it meanwhile
 * the server answers 409, the editor says so and keeps the text, and offers to load the newest
 * version instead.
 */
export function GuideEditor({ guide, teamId }: { guide: Guide | null; teamId: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [base, setBase] = useState(guide);
  const [title, setTitle] = useState(guide?.title ?? "");
  const [description, setDescription] = useState(guide?.description ?? "");
  const [tags, setTags] = useState(guide?.tags.join(", ") ?? "");
  const [projectId, setProjectId] = useState(guide?.projectId ?? "");
  const [content, setContent] = useState(guide?.content ?? NEW_GUIDE_MARKDOWN);
  const preview = useDeferredValue(content);
  const projects = useQuery({
    queryKey: ["projects", teamId],
    queryFn: () => api<Page<Project>>(`/api/v1/projects?teamId=${teamId}&limit=200`),
  });
  const save = useMutation({
    mutationFn: () => {
      const fields = {
        title: title.trim(),
        description: description.trim(),
        tags: parseTags(tags),
        projectId: projectId || null,
        content,
      };
      return base
        ? updateGuide(base.id, { ...fields, expectedVersion: base.version })
        : createGuide({ teamId, ...fields });
    },
    onSuccess: async (saved) => {
      queryClient.setQueryData(guideKeys.one(saved.id), saved);
      await queryClient.invalidateQueries({ queryKey: guideKeys.lists(teamId) });
      await navigate(`/guides/${saved.id}`);
    },
  });
  const reload = useMutation({
    mutationFn: () => getGuide(base?.id ?? ""),
    onSuccess: (newest) => {
      queryClient.setQueryData(guideKeys.one(newest.id), newest);
      setBase(newest);
      setTitle(newest.title);
      setDescription(newest.description);
      setTags(newest.tags.join(", "));
      setProjectId(newest.projectId ?? "");
      setContent(newest.content);
      save.reset();
    },
  });
  const conflict = save.error instanceof ApiError && save.error.code === "guide.version_conflict";
  const heading = base ? `Edit “${base.title}”` : "New guide";
  return (
    <section className="panel guide-editor" aria-labelledby="guide-editor-title">
      <p className="small-text">
        <Link to={base ? `/guides/${base.id}` : withTeam("/guides", teamId)}>
          ← {base ? "Back to the guide" : "All guides"}
        </Link>
      </p>
      <h1 id="guide-editor-title">{heading}</h1>
      <form
        className="stack"
        aria-label={heading}
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <div className="row wrap">
          <label>
            Title
            <input
              required
              maxLength={200}
              value={title}
              onChange={(e) => {
                setTitle(e.target.value);
              }}
            />
          </label>
          <label>
            <span>
              Tags <span className="muted small-text">(comma-separated)</span>
            </span>
            <input
              value={tags}
              onChange={(e) => {
                setTags(e.target.value);
              }}
            />
          </label>
          <label>
            Project
            <select
              value={projectId}
              onChange={(e) => {
                setProjectId(e.target.value);
              }}
            >
              <option value="">No project</option>
              {(projects.data?.items ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Description
          <input
            maxLength={2000}
            value={description}
            onChange={(e) => {
              setDescription(e.target.value);
            }}
          />
        </label>
        <div className="guide-editor-panes">
          <label className="guide-editor-source">
            <span>
              Markdown <span className="muted small-text">(every “- [ ]” is a task)</span>
            </span>
            <textarea
              className="code-input"
              rows={20}
              spellCheck
              value={content}
              onChange={(e) => {
                setContent(e.target.value);
              }}
            />
          </label>
          <section className="guide-editor-preview" aria-label="Preview">
            <span aria-hidden="true">Preview</span>
            <div className="card">
              <GuideDocument content={preview} />
            </div>
          </section>
        </div>
        {save.error && (
          <div role="alert" className="guide-conflict">
            <p className="error">{errorText(save.error)}</p>
            {conflict && (
              <p className="row wrap">
                <span className="muted small-text">
                  Your text is still here: copy what you need before loading.
                </span>
                <button
                  type="button"
                  disabled={reload.isPending}
                  onClick={() => {
                    reload.mutate();
                  }}
                >
                  {reload.isPending ? "Loading…" : "Load the newest version"}
                </button>
              </p>
            )}
          </div>
        )}
        <Alert>{reload.error ? errorText(reload.error) : null}</Alert>
        <div className="row end">
          <Link to={base ? `/guides/${base.id}` : withTeam("/guides", teamId)} className="button">
            Cancel
          </Link>
          <button type="submit" className="primary" disabled={save.isPending || !title.trim()}>
            {save.isPending ? "Saving…" : base ? "Save" : "Create guide"}
          </button>
        </div>
      </form>
    </section>
  );
}

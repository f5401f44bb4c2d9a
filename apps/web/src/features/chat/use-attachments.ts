import type { ChatAttachment } from "@parley/contracts";
import { useState } from "react";
import { apiUpload } from "../../api.ts";
import { errorText } from "../../failures.ts";

/** A file picked for the next message: uploading, ready to send, or refused. */
export interface PendingFile {
  key: string;
  name: string;
  size: number;
  /** 0–1 while uploading. */
  progress: number;
  attachment: ChatAttachment | null;
  error: string | null;
}

let counter = 0;

/**
 * The files picked for the next message. Each uploads at once, on its own (so one refused file
 * does not hold up the others), and is sent by id with the message.
 */
export function useAttachments() {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const update = (key: string, patch: Partial<PendingFile>) => {
    setFiles((all) => all.map((f) => (f.key === key ? { ...f, ...patch } : f)));
  };
  const add = (picked: readonly File[]) => {
    for (const file of picked) {
      const key = `f${++counter}`;
      setFiles((all) => [
        ...all,
        { key, name: file.name, size: file.size, progress: 0, attachment: null, error: null },
      ]);
      const form = new FormData();
      form.append("file", file, file.name);
      apiUpload<{ items: ChatAttachment[] }>("/api/v1/attachments", form, (p) => {
        update(key, { progress: p.total ? p.loaded / p.total : 0 });
      }).then(
        (result) => {
          update(key, { progress: 1, attachment: result.items[0] ?? null });
        },
        (error: unknown) => {
          update(key, { error: errorText(error) });
        },
      );
    }
  };
  return {
    files,
    add,
    remove: (key: string) => {
      setFiles((all) => all.filter((f) => f.key !== key));
    },
    clear: () => {
      setFiles([]);
    },
    /** Ids of the uploaded files, to send. */
    ids: files.flatMap((f) => (f.attachment ? [f.attachment.id] : [])),
    uploading: files.some((f) => !f.attachment && !f.error),
  };
}

/** A file size for people: 512 B, 14 KB, 3.2 MB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

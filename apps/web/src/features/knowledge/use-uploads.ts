import type { UploadResult } from "@parley/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { apiUpload } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { documentsKey } from "./use-document-progress.ts";

/** Files per request: the server's `UPLOAD_LIMITS.files` (not in the contracts yet). */
const FILES_PER_REQUEST = 20;

/** One upload request: its files, how much has been sent, and what the server answered. */
export interface Upload {
  id: number;
  names: string[];
  loaded: number;
  total: number;
  state: "uploading" | "done" | "failed";
  documents: UploadResult["documents"];
  error: string | null;
}

let nextId = 1;

/**
 * Sends files to a knowledge base, at most 20 per request, each request with its own progress.
 * `onResult` hears what each request added (or found already there) or why it failed.
 */
export function useUploads(
  baseId: string,
  onResult: (upload: Upload) => void,
): { uploads: Upload[]; send: (files: File[]) => void; clear: () => void } {
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const update = (id: number, patch: Partial<Upload>) => {
    setUploads((all) => all.map((u) => (u.id === id ? { ...u, ...patch } : u)));
  };

  const sendBatch = async (files: File[]) => {
    const upload: Upload = {
      id: nextId++,
      names: files.map((f) => f.name),
      loaded: 0,
      total: files.reduce((sum, f) => sum + f.size, 0),
      state: "uploading",
      documents: [],
      error: null,
    };
    setUploads((all) => [...all, upload]);
    const form = new FormData();
    for (const file of files) form.append("file", file, file.name);
    let settled: Upload;
    try {
      const result = await apiUpload<UploadResult>(
        `/api/v1/knowledge-bases/${baseId}/documents`,
        form,
        ({ loaded, total }) => {
          update(upload.id, { loaded, total });
        },
      );
      settled = { ...upload, loaded: upload.total, state: "done", documents: result.documents };
    } catch (error) {
      settled = { ...upload, state: "failed", error: errorText(error) };
    }
    update(upload.id, settled);
    onResult(settled);
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: documentsKey(baseId) }),
      queryClient.invalidateQueries({ queryKey: ["knowledge-bases"] }),
    ]);
  };

  const send = (files: File[]) => {
    for (let i = 0; i < files.length; i += FILES_PER_REQUEST)
      void sendBatch(files.slice(i, i + FILES_PER_REQUEST));
  };
  const clear = useCallback(() => {
    setUploads((all) => all.filter((u) => u.state === "uploading"));
  }, []);
  return { uploads, send, clear };
}

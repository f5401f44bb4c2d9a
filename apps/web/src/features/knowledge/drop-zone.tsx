import { useRef, useState, type DragEvent } from "react";
import { ACCEPTED_EXTENSIONS, isAccepted } from "./document-types.ts";

/**
 * Where files are dropped, or chosen with the "Choose files" button (the keyboard's way in).
 * Files of a type knowledge bases do not take are refused here, with the accepted types named;
 * the others go to `onFiles`.
 */
export function DropZone({
  onFiles,
  onRejected,
}: {
  onFiles: (files: File[]) => void;
  onRejected: (names: string[]) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = (list: FileList | null) => {
    const files = [...(list ?? [])];
    const accepted = files.filter((f) => isAccepted(f.name));
    onRejected(files.filter((f) => !isAccepted(f.name)).map((f) => f.name));
    if (accepted.length > 0) onFiles(accepted);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    take(event.dataTransfer.files);
  };
  return (
    <div
      className={over ? "drop-zone over" : "drop-zone"}
      onDragOver={(event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        setOver(true);
      }}
      onDragLeave={() => {
        setOver(false);
      }}
      onDrop={onDrop}
    >
      <p>
        <strong>Drop files here</strong> or{" "}
        <button
          type="button"
          className="primary small"
          aria-describedby="accepted-types"
          onClick={() => {
            input.current?.click();
          }}
        >
          Choose files
        </button>
      </p>
      <p className="muted small-text" id="accepted-types">
        Accepted: {ACCEPTED_EXTENSIONS.join(", ")}. Several at once.
      </p>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        accept={ACCEPTED_EXTENSIONS.join(",")}
        onChange={(event) => {
          take(event.target.files);
          // Choosing the same file again still fires a change.
          event.target.value = "";
        }}
      />
    </div>
  );
}

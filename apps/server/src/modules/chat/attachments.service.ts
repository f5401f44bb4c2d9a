import type { Readable } from "node:stream";
import { ATTACHMENT_LIMITS, type ChatAttachment } from "@parley/contracts";
import type { LanguageModelV4FilePart, LanguageModelV4TextPart } from "@ai-sdk/provider";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import { holdsAnywhere, requirePrincipal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import { removeUnreferenced } from "../../platform/blob/unreferenced.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { readAttachment } from "./attachment-files.ts";
import type { AttachmentRow, AttachmentsRepository } from "./attachments.repository.ts";

/** The blob store folder of the files' bytes (`<folder>/<uploader>/<file id>`). */
const ATTACHMENT_BLOB_FOLDER = "chat-attachments";

/** A file of an upload as the HTTP layer hands it over. */
export interface IncomingAttachment {
  filename: string;
  stream: Readable & { truncated?: boolean };
}

/** Dependencies of the attachment service. */
export interface AttachmentServiceDeps {
  repository: AttachmentsRepository;
  blobs: BlobStore;
  clock: Clock;
}

/**
 * Files attached to chat messages: uploaded first (read and checked at once, so a file that
 * cannot be used is refused before anything is sent), then claimed by the send that carries them,
 * and given to the model with the message every time the conversation is answered.
 */
export class AttachmentService {
  readonly #d: AttachmentServiceDeps;
  constructor(deps: AttachmentServiceDeps) {
    this.#d = deps;
  }

  /**
   * Stores the files for the caller, all or nothing.
   * @throws AppError `auth.forbidden` (no conversations:write anywhere), `validation.failed` (no
   *   file, or too many), `attachment.too_large`, `request.unsupported_media_type`,
   *   `attachment.unreadable`; each naming the file.
   */
  async upload(files: AsyncIterable<IncomingAttachment>, ctx: RequestContext): Promise<ChatAttachment[]> {
    const principal = requirePrincipal(ctx);
    if (!holdsAnywhere(principal, "conversations:write"))
      throw new AppError("auth.forbidden", "Attaching files needs the conversations:write permission");
    const rows: AttachmentRow[] = [];
    try {
      for await (const file of files) {
        if (rows.length === ATTACHMENT_LIMITS.filesPerMessage) {
          file.stream.resume();
          throw new AppError(
            "validation.failed",
            `At most ${ATTACHMENT_LIMITS.filesPerMessage} files go with one message`,
          );
        }
        rows.push(await this.#store(file, principal.userId));
      }
      if (rows.length === 0)
        throw new AppError("validation.failed", "Attach at least one file (multipart field `file`)");
      await this.#d.repository.insert(rows);
    } catch (error) {
      await Promise.allSettled(rows.map((r) => this.#d.blobs.delete(r.blob_key)));
      throw error;
    }
    return rows.map(toAttachment);
  }

  async #store(file: IncomingAttachment, userId: string): Promise<AttachmentRow> {
    const chunks: Buffer[] = [];
    for await (const chunk of file.stream) chunks.push(chunk as Buffer);
    if (file.stream.truncated) {
      const mb = ATTACHMENT_LIMITS.bytesPerFile / (1024 * 1024);
      throw new AppError("attachment.too_large", `${file.filename} is larger than ${mb} MB`, {
        details: { file: file.filename, limitBytes: ATTACHMENT_LIMITS.bytesPerFile },
      });
    }
    const bytes = Buffer.concat(chunks);
    const read = await readAttachment(file.filename, bytes);
    const id = newId();
    const blobKey = `${ATTACHMENT_BLOB_FOLDER}/${userId}/${id}`;
    await this.#d.blobs.put(blobKey, bytes, { contentType: read.mediaType });
    return {
      id,
      user_id: userId,
      conversation_id: null,
      message_id: null,
      name: file.filename.slice(0, 255),
      media_type: read.mediaType,
      size: bytes.length,
      kind: read.kind,
      blob_key: blobKey,
      text: read.text,
      truncated: read.truncated ? 1 : 0,
      copy_of: null,
      created_at: this.#d.clock.now(),
    };
  }

  /**
   * Claims the caller's unsent files for the message `messageId` about to be stored.
   * @throws AppError `attachment.not_found` when one is not the caller's, or was sent already.
   */
  async claim(
    ids: readonly string[],
    claim: { userId: string; conversationId: string; messageId: string },
  ): Promise<AttachmentRow[]> {
    const rows = await this.#d.repository.claim(ids, claim);
    if (ids.length > 0 && rows.length === 0)
      throw new AppError(
        "attachment.not_found",
        "An attached file is not yours to send, or was sent with another message; attach it again",
      );
    return rows;
  }

  /** Gives an edit (`to`) the files of the message it edits (`from`). */
  copy(from: string, to: { messageId: string; conversationId: string }): Promise<void> {
    return this.#d.repository.copy(from, to, newId);
  }

  release(messageId: string): Promise<void> {
    return this.#d.repository.release(messageId);
  }

  find(id: string): Promise<AttachmentRow | undefined> {
    return this.#d.repository.find(id);
  }

  /** The file's bytes, or null when they are gone. */
  async open(row: AttachmentRow): Promise<Readable | null> {
    return (await this.#d.blobs.get(row.blob_key))?.body ?? null;
  }

  /** The files of each message, as shown with it. */
  async viewsOf(messageIds: readonly string[]): Promise<Map<string, ChatAttachment[]>> {
    const byMessage = new Map<string, ChatAttachment[]>();
    for (const row of await this.#d.repository.ofMessages(messageIds)) {
      if (row.message_id)
        byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), toAttachment(row)]);
    }
    return byMessage;
  }

  /**
   * What each message's files add to its prompt: images as image parts (a note instead when the
   * model does not read images), texts as text parts naming the file.
   */
  async promptParts(
    messageIds: readonly string[],
    readsImages: boolean,
  ): Promise<Map<string, (LanguageModelV4TextPart | LanguageModelV4FilePart)[]>> {
    const parts = new Map<string, (LanguageModelV4TextPart | LanguageModelV4FilePart)[]>();
    for (const row of await this.#d.repository.ofMessages(messageIds)) {
      if (!row.message_id) continue;
      const list = parts.get(row.message_id) ?? [];
      parts.set(row.message_id, list);
      if (row.kind === "text") {
        const cut = row.truncated ? "\n[The file is longer; only its beginning is given.]" : "";
        list.push({
          type: "text",
          text: `<file name="${row.name.replace(/"/g, "'")}">\n${row.text ?? ""}${cut}\n</file>`,
        });
        continue;
      }
      const blob = readsImages ? await this.#d.blobs.get(row.blob_key) : null;
      if (!blob) {
        list.push({ type: "text", text: `[Image ${row.name}: not shown to this model]` });
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of blob.body) chunks.push(chunk as Buffer);
      list.push({
        type: "file",
        filename: row.name,
        mediaType: row.media_type,
        data: { type: "data", data: new Uint8Array(Buffer.concat(chunks)) },
      });
    }
    return parts;
  }

  /** Blob keys of a conversation's files, read before it is deleted (its rows go with it). */
  blobKeysOfConversation(conversationId: string): Promise<string[]> {
    return this.#d.repository.blobKeysOfConversation(conversationId);
  }

  /** Removes stored bytes whose rows are gone (a conversation deleted, an abandoned upload). */
  async removeBlobs(keys: readonly string[]): Promise<void> {
    await Promise.allSettled(keys.map((key) => this.#d.blobs.delete(key)));
  }

  /**
   * Removes the stored bytes of files written before `before` that no row refers to: what a crash
   * left between storing an upload's bytes and its row, or between deleting rows and their bytes,
   * and what rows deleted by a cascade (a user or team deleted) left behind. `before` must lie
   * well behind any upload in progress (its bytes are stored before its row).
   * @returns how many objects were removed.
   */
  collectGarbage(before: number): Promise<number> {
    return removeUnreferenced(this.#d.blobs, ATTACHMENT_BLOB_FOLDER, before, (keys) =>
      this.#d.repository.referenced(keys),
    );
  }

  /** Removes files uploaded before `before` and never sent, a batch at a time. */
  async sweepUnsent(before: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const keys = await this.#d.repository.deleteUnsent(before, 200);
      await this.removeBlobs(keys);
      removed += keys.length;
      if (keys.length < 200) return removed;
    }
  }
}

function toAttachment(row: AttachmentRow): ChatAttachment {
  return {
    id: row.id,
    name: row.name,
    mediaType: row.media_type,
    size: row.size,
    kind: row.kind === "image" ? "image" : "text",
    chars: row.text === null ? null : row.text.length,
    truncated: row.truncated === 1,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

import multipart from "@fastify/multipart";
import { ATTACHMENT_LIMITS, ChatAttachment, IdParams } from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { requirePrincipal } from "../../kernel/principal.ts";
import type { AttachmentService, IncomingAttachment } from "./attachments.service.ts";
import type { ChatService } from "./chat.service.ts";

/** What the attachment routes call. */
export interface AttachmentRouteDeps {
  attachments: AttachmentService;
  chat: Pick<ChatService, "visible">;
}

/** Images a browser may show inline; any other file is only downloaded. */
const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Uploading files to send with a message, and reading them back. */
export async function registerAttachmentRoutes(app: TypedApp, deps: AttachmentRouteDeps): Promise<void> {
  const tags = ["chat"];
  await app.register(async (scope: TypedApp) => {
    await scope.register(multipart, {
      limits: {
        fileSize: ATTACHMENT_LIMITS.bytesPerFile,
        files: ATTACHMENT_LIMITS.filesPerMessage + 1,
        fields: 0,
      },
      throwFileSizeLimit: false,
    });
    scope.post(
      "/api/v1/attachments",
      {
        config: { permission: "conversations:write" },
        schema: {
          tags,
          summary:
            "Upload files to send with a message (multipart/form-data, `file` parts): images, documents (PDF, DOCX, HTML, CSV, Markdown) and text or code files",
          response: { 201: z.object({ items: z.array(ChatAttachment) }) },
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request);
        if (!request.isMultipart())
          throw new AppError("request.unsupported_media_type", "Send the files as multipart/form-data");
        const files = (async function* (): AsyncGenerator<IncomingAttachment> {
          for await (const part of request.files()) yield { filename: part.filename, stream: part.file };
        })();
        return reply.code(201).send({ items: await deps.attachments.upload(files, ctx) });
      },
    );
  });
  app.get(
    "/api/v1/attachments/:id",
    {
      config: { permission: "conversations:read" },
      schema: {
        tags,
        summary: "A file sent with a message (or uploaded by you and not sent yet)",
        params: IdParams,
        produces: ["application/octet-stream", "image/png", "image/jpeg", "image/gif", "image/webp"],
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const principal = requirePrincipal(ctx);
      const row = await deps.attachments.find(request.params.id);
      const missing = () => new AppError("attachment.not_found", `No attachment ${request.params.id}`);
      if (!row) throw missing();
      // Unsent: its uploader's alone. Sent: whoever may read its conversation (a team-bound key
      // included only for its team's conversations).
      if (!row.conversation_id) {
        if (row.user_id !== principal.userId) throw missing();
      } else {
        await deps.chat.visible(row.conversation_id, ctx, "conversations:read").catch((error: unknown) => {
          throw error instanceof AppError && error.code === "conversation.not_found" ? missing() : error;
        });
      }
      const body = await deps.attachments.open(row);
      if (!body) throw missing();
      const inline = INLINE_TYPES.has(row.media_type);
      return reply
        .type(inline ? row.media_type : "application/octet-stream")
        .header(
          "content-disposition",
          `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(row.name)}`,
        )
        .header("content-length", String(row.size))
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("cache-control", "private, max-age=3600")
        .send(body);
    },
  );
}

import { z } from "zod";

/** The longest repository URL a project keeps, in characters. */
export const MAX_REPOSITORY_URL_CHARS = 2048;

/** Schemes a repository URL may use; `user@host:path` (scp-like, as git writes SSH remotes) too. */
const REPOSITORY_SCHEMES = new Set(["http:", "https:", "ssh:", "git:", "git+ssh:"]);

/** `git@github.com:org/repo.git`: a user, a host, a colon, a path (no scheme). */
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$/;

/**
 * Whether `value` is a repository address git can clone: an http(s), ssh, git or git+ssh URL
 * with a host and no password in it (a secret has no place in a project's description), or an
 * scp-like SSH address.
 * @example isRepositoryUrl("https://github.com/parley/parley.git") // true
 * @example isRepositoryUrl("git@github.com:parley/parley.git") // true
 * @example isRepositoryUrl("javascript:alert(1)") // false
 */
export function isRepositoryUrl(value: string): boolean {
  if (SCP_LIKE.test(value)) return true;
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return REPOSITORY_SCHEMES.has(url.protocol) && url.hostname !== "" && url.password === "";
}

const fields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(2000),
  repositoryUrl: z
    .string()
    .trim()
    .min(1)
    .max(MAX_REPOSITORY_URL_CHARS)
    .refine(isRepositoryUrl, "must be an http(s), ssh or git URL (or user@host:path), without a password"),
};

/** A team's software project: conversations (and later guides, rules, practices) belong to one. */
export const Project = z
  .object({
    id: z.string(),
    teamId: z.string(),
    name: z.string(),
    /** Derived from the name when created; unique within the team. */
    slug: z.string(),
    description: z.string(),
    repositoryUrl: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    /** Set while archived: hidden from lists unless asked for, still readable and usable. */
    archivedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof Project>;

export const CreateProjectRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    name: fields.name,
    description: fields.description.optional(),
    repositoryUrl: fields.repositoryUrl.optional(),
  })
  .meta({ id: "CreateProjectRequest" });
export type CreateProjectRequest = z.infer<typeof CreateProjectRequest>;

/** Changes; a null repository URL clears it; `archived` archives or restores the project. */
export const UpdateProjectRequest = z
  .strictObject({
    name: fields.name.optional(),
    description: fields.description.optional(),
    repositoryUrl: fields.repositoryUrl.nullable().optional(),
    archived: z.boolean().optional(),
  })
  .meta({ id: "UpdateProjectRequest" });
export type UpdateProjectRequest = z.infer<typeof UpdateProjectRequest>;

export const ProjectListQuery = z.strictObject({
  teamId: z.string().max(100).optional(),
  /** Part of the name, any case. */
  q: z.string().trim().max(200).optional(),
  /** `true` lists archived projects too. */
  includeArchived: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ProjectListQuery = z.infer<typeof ProjectListQuery>;

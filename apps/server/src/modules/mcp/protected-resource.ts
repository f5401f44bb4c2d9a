import { Permission } from "@parley/contracts";

/** Where the MCP endpoint is served. */
export const MCP_PATH = "/mcp";
/** RFC 9728's well-known suffix for protected-resource metadata. */
export const METADATA_PATH = "/.well-known/oauth-protected-resource";

/**
 * The OAuth 2.0 Protected Resource Metadata (RFC 9728) of the MCP endpoint, which MCP clients
 * read to learn how to authenticate. Parley has no OAuth authorization server yet, so the document
 * names none: `authorization_servers` is optional in RFC 9728 (the MCP authorization spec wants at
 * least one, which Parley cannot offer until it issues OAuth tokens); clients send an API key as a
 * bearer token, configured by hand (ADR 0027).
 * @example
 * protectedResourceMetadata("https://parley.example.com").resource // "https://parley.example.com/mcp"
 */
export function protectedResourceMetadata(publicUrl: string) {
  const base = publicUrl.replace(/\/+$/, "");
  return {
    resource: `${base}${MCP_PATH}`,
    resource_name: "Parley",
    bearer_methods_supported: ["header"],
    // A key carries a subset of its owner's permissions: they are its scopes.
    scopes_supported: [...Permission.options],
    resource_documentation: `${base}/api/docs`,
  };
}

/**
 * The `WWW-Authenticate` challenge of a 401 from the MCP endpoint: points at the metadata of the
 * resource itself (RFC 9728 §3.1: the well-known suffix before the resource's path), which is
 * also served at the root suffix for clients that only look there.
 */
export function bearerChallenge(publicUrl: string, error?: "invalid_token"): string {
  const base = publicUrl.replace(/\/+$/, "");
  const parts = [`resource_metadata="${base}${METADATA_PATH}${MCP_PATH}"`];
  if (error) parts.push(`error="${error}"`);
  return `Bearer ${parts.join(", ")}`;
}

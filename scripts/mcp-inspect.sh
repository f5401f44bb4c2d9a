#!/usr/bin/env bash
# Talks to Parley's MCP server with the official MCP Inspector's CLI (Node 22 or later; fetched by
# npx from the npm registry on first use). Lists the tools unless given other inspector arguments.
#
#   PARLEY_API_KEY=pk_... scripts/mcp-inspect.sh
#   PARLEY_URL=https://parley.example.com PARLEY_API_KEY=pk_... scripts/mcp-inspect.sh \
#     --method tools/call --tool-name search_knowledge \
#     --tool-args-json '{"knowledgeBaseId":"...","query":"backups"}'
#
# PARLEY_URL defaults to http://localhost:8080; MCP_INSPECTOR_VERSION pins the inspector (tested
# with the default below). Parley has no OAuth authorization server: a refused key fails at once
# (--stored-auth-only) instead of the inspector trying an interactive OAuth sign-in.
set -euo pipefail
: "${PARLEY_API_KEY:?set PARLEY_API_KEY to an API key (pk_...) or an access token}"
url="${PARLEY_URL:-http://localhost:8080}"
version="${MCP_INSPECTOR_VERSION:-2.12.0}"
if [ "$#" -eq 0 ]; then set -- --method tools/list; fi
exec npx -y "@modelcontextprotocol/inspector@${version}" --cli "${url%/}/mcp" --transport http \
  --header "Authorization: Bearer ${PARLEY_API_KEY}" --stored-auth-only "$@"

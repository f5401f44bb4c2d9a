#!/usr/bin/env bash
# CI's check of the MCP server with a real client besides the test suite's: starts an embedded
# Parley from the sources on a free port with a throwaway data folder, makes an API key, and runs
# scripts/mcp-inspect.sh (the MCP Inspector's CLI) against it: the tool list, a search of a
# knowledge base with one document, a search of one that does not exist (a tool error, which the
# inspector exits non-zero on), and a call with a wrong key (refused). Exits non-zero on any
# difference.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:${port}"
email="mcp-smoke@parley.test"
password="mcp smoke test password, long enough"
PARLEY_PORT="$port" PARLEY_HOST=127.0.0.1 PARLEY_DATA_DIR="$data" PARLEY_LOG_LEVEL=warn \
  PARLEY_OLLAMA_DETECT=false PARLEY_ADMIN_EMAIL="$email" PARLEY_ADMIN_PASSWORD="$password" \
  node apps/server/src/main.ts start >"$data/parley.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$url/readyz" >/dev/null || { cat "$data/parley.log" >&2; exit 1; }

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
token=$(curl -fsS "$url/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" | json accessToken)
key=$(curl -fsS "$url/api/v1/api-keys" -H 'content-type: application/json' -H "authorization: Bearer $token" \
  -d '{"name":"mcp inspector","permissions":["knowledge:read"]}' | json key)

export PARLEY_URL="$url" PARLEY_API_KEY="$key"
tools=$(scripts/mcp-inspect.sh)
echo "$tools" | grep -q '"name": "search_knowledge"' || { echo "tools/list lacks search_knowledge: $tools" >&2; exit 1; }
echo "tools/list: $(echo "$tools" | grep -c '"inputSchema"') tools"

kb=$(curl -fsS "$url/api/v1/knowledge-bases" -H 'content-type: application/json' -H "authorization: Bearer $token" \
  -d '{"name":"Runbooks"}' | json id)
printf '# Backups\n\nBackups run nightly with pg_dump; restore them with pg_restore.\n' >"$data/backups.md"
curl -fsS "$url/api/v1/knowledge-bases/$kb/documents" -H "authorization: Bearer $token" \
  -F "file=@$data/backups.md" >/dev/null
for _ in $(seq 1 100); do
  curl -fsS "$url/api/v1/knowledge-bases/$kb/documents" -H "authorization: Bearer $token" | grep -q '"ready"' && break
  sleep 0.2
done
found=$(scripts/mcp-inspect.sh --method tools/call --tool-name search_knowledge \
  --tool-args-json "{\"knowledgeBaseId\":\"$kb\",\"query\":\"how do I restore a backup?\"}")
echo "$found" | grep -q 'pg_restore' || { echo "search_knowledge did not find the passage: $found" >&2; exit 1; }
echo "tools/call search_knowledge: found the passage"

if missing=$(scripts/mcp-inspect.sh --method tools/call --tool-name search_knowledge \
  --tool-args-json '{"knowledgeBaseId":"kb_missing","query":"backups"}' 2>&1); then
  echo "a search of a missing base succeeded: $missing" >&2
  exit 1
fi
echo "$missing" | grep -q 'tool_is_error' || { echo "unexpected: $missing" >&2; exit 1; }
echo "tools/call search_knowledge (unknown base): a tool error"

if PARLEY_API_KEY=pk_wrong scripts/mcp-inspect.sh >"$data/refused.txt" 2>&1; then
  echo "a wrong key was accepted: $(cat "$data/refused.txt")" >&2
  exit 1
fi
echo "a wrong key: refused ($(head -c 300 "$data/refused.txt"))"

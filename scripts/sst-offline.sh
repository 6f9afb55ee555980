#!/usr/bin/env bash
# Runs the SST CLI without its downloads, with everything it writes kept in the repo:
#   .cache/sst/xdg   SST's config dir: a stand-in `pulumi` that only reports its version, and Bun
#                    (from the npm package @oven/bun-linux-*) for `sst install`
#   .cache/sst/bun   Bun's package cache
#   .sst/            what `sst install` writes: the platform code and its packages (~400 MB)
# Usage: bash scripts/sst-offline.sh install        (what npm run check:infra runs)
#        bash scripts/sst-offline.sh <sst command>  (anything else that needs no AWS access)
# Deploying needs the real CLI with network access: plain `npx sst deploy` (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sst_version=4.17.1        # must match package.json
pulumi_version=v3.215.0   # the Pulumi release sst $sst_version expects
bun_version=1.2.1         # the Bun release sst $sst_version expects

installed=$(node -p 'require("./node_modules/sst/package.json").version' 2>/dev/null || echo none)
if [[ $installed != "$sst_version" ]]; then
  echo "sst $installed is installed, scripts/sst-offline.sh pins $sst_version: update its Pulumi and Bun versions too" >&2
  exit 1
fi

case "$(uname -m)" in
  x86_64) bun_pkg=@oven/bun-linux-x64 ;;
  aarch64 | arm64) bun_pkg=@oven/bun-linux-aarch64 ;;
  *) echo "no Bun package for $(uname -m)" >&2; exit 1 ;;
esac

cache=$root/.cache/sst
export XDG_CONFIG_HOME=$cache/xdg
export BUN_INSTALL_CACHE_DIR=$cache/bun
export SST_TELEMETRY_DISABLED=1
bin=$XDG_CONFIG_HOME/sst/bin
mkdir -p "$bin" "$cache/tools" "$BUN_INSTALL_CACHE_DIR"

# Pulumi: the CLI only asks for its version before `install`; nothing here runs a real Pulumi.
printf '#!/bin/sh\necho %s\n' "$pulumi_version" > "$bin/pulumi"
chmod +x "$bin/pulumi"

# Bun, from the npm registry instead of GitHub.
bun=$cache/tools/node_modules/$bun_pkg/bin/bun
if [[ ! -x $bun ]] || [[ $("$bun" --version) != "$bun_version" ]]; then
  echo '{"private":true}' > "$cache/tools/package.json"
  npm install --prefix "$cache/tools" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$bun_pkg@$bun_version"
fi
ln -sf "$bun" "$bin/bun"

if [[ ${1:-} == install ]]; then
  start=$SECONDS
  npx --no-install sst install --stage ci
  # sst.config.ts's platform types import the file `sst deploy` generates; an empty one will do.
  [[ -f .sst/types.generated.ts ]] || echo 'export {};' > .sst/types.generated.ts
  echo "sst install: $((SECONDS - start)) s"
else
  exec npx --no-install sst "$@"
fi

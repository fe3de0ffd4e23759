#!/usr/bin/env bash
# Runs the throughput benchmarks: connector-core against its peers, all against one S3 server on 127.0.0.1.
# Options: --small N --small-kib K --large N --large-mib M --list-keys N --runs R (defaults finish in minutes).
# The AWS CLI is a peer when installed (it is installed here with apt-get when missing and possible).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v aws >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq awscli >/dev/null 2>&1 || echo "(could not install awscli; running without that peer)"
fi
mvn -B -q --no-transfer-progress -DskipTests install -pl benchmarks -am
exec mvn -B -q --no-transfer-progress -pl benchmarks exec:exec -Dbenchmarks.args="$*"

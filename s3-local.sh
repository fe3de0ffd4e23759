#!/usr/bin/env bash
# Runs the embedded S3 server standalone on 127.0.0.1 and prints how to reach it.
# Options: --port N (default 9090), --dir FOLDER (keep objects there; default: memory), --bucket NAME.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q --no-transfer-progress -DskipTests install -pl s3-local -am
exec mvn -B -q --no-transfer-progress -pl s3-local exec:java -Dexec.mainClass=io.metaflows3.local.Main \
  -Dexec.args="$*"

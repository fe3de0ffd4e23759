#!/usr/bin/env bash
# Runs every test of every module against the embedded S3 server on 127.0.0.1. Needs only Java 17 and Maven.
set -euo pipefail
cd "$(dirname "$0")"
exec mvn -B --no-transfer-progress verify "$@"

#!/usr/bin/env bash
# Builds what the samples need, then runs the main job: the metaflow.S3 examples and per-country model
# training with Beam and Spark. Without AWS_ENDPOINT_URL / METAFLOW_S3_ENDPOINT_URL it starts an embedded
# S3 server on 127.0.0.1 (objects kept in work/s3-data). Arguments go to the job: --countries N --rows N.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q --no-transfer-progress -DskipTests install -pl samples -am
exec mvn -B -q --no-transfer-progress -pl samples exec:exec -Dsamples.args="$*"

#!/bin/sh
# drill-live: the scenario files against the real queue manager (`mq` profile). The MQ client in
# this image writes its AMQERR01.LOG under MQ_OVERRIDE_DATA_PATH/errors.
# NOT RUN against a real queue manager by the ocsplab authors (see README, "Docker lab").
set -eu
mkdir -p "${MQ_OVERRIDE_DATA_PATH:-/tmp/mqclient}/errors" "${OCSPLAB_LIVE_WORK:-/tmp/ocsplab-live}"
exec ocsplab drill --target live --lab "${LAB:-/lab}" "$@"

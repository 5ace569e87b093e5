# syntax=docker/dockerfile:1
# ocsplab images. Stages:
#   build        npm ci (dev deps) + tsc -> dist/
#   deps         production node_modules only
#   live-client  the IBM MQ image (its sample clients amqssslc/amqsputc) + node + ocsplab, for
#                `drill --target live` (compose profile mq); build with --target live-client
#   ldap         node:20-slim, dist/, production deps and Debian's slapd and ldap-utils: the lab's
#                LDAP server for CRLs (compose service ldap); build with --target ldap
#   runtime      (default) node:20-slim, dist/ and production deps, non-root
# openssl is not installed: ocsplab does its crypto with node:crypto; only the tests need openssl.

ARG NODE_IMAGE=node:20-slim
ARG MQ_IMAGE=icr.io/ibm-messaging/mq:latest

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc before the sources are here.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npx tsc -p .

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM ${MQ_IMAGE} AS live-client
# The MQ image runs as uid 1001 (group 0); so do the other ocsplab services, so the shared lab
# volume is writable by all of them. Not built or run by the ocsplab authors (no Docker engine).
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=deps --chown=1001:0 /app/node_modules /app/node_modules
COPY --from=build --chown=1001:0 /src/dist/src /app/dist/src
COPY --chown=1001:0 package.json /app/
COPY --chown=1001:0 scenarios /app/scenarios
COPY docker/ocsplab docker/drill-live.sh /usr/local/bin/
ENV MQ_OVERRIDE_DATA_PATH=/tmp/mqclient TZ=UTC
WORKDIR /app
USER 1001
ENTRYPOINT ["/usr/local/bin/drill-live.sh"]

FROM ${NODE_IMAGE} AS ldap
# OpenLDAP from the Debian release the node image is built on (its versions pinned by that
# release); node, dist/ and the production deps for the slapd.conf writer (src/ldap/slapd.ts).
# slapd runs as uid 1001 like the other services; binding 389 needs the compose service's
# net.ipv4.ip_unprivileged_port_start sysctl. Not built by the ocsplab authors (no Docker engine).
ENV NODE_ENV=production TZ=UTC
WORKDIR /app
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd ldap-utils \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1001 --gid 0 --home-dir /home/ocsplab --create-home --shell /usr/sbin/nologin ocsplab \
 && mkdir -p /lab /ldap && chown 1001:0 /lab /ldap
COPY --from=deps --chown=1001:0 /app/node_modules ./node_modules
COPY --from=build --chown=1001:0 /src/dist/src ./dist/src
COPY --chown=1001:0 package.json ./
COPY docker/ldap.sh docker/ldap-conf.mjs /usr/local/bin/
USER 1001
EXPOSE 389
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["ldapsearch", "-x", "-H", "ldap://127.0.0.1:389", "-b", "", "-s", "base", "namingContexts"]
ENTRYPOINT ["/usr/local/bin/ldap.sh"]

# Last, so that a plain `docker build .` builds it.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production TZ=UTC
WORKDIR /app
# uid 1001 / gid 0 like the MQ image (see live-client); the image's own `node` user is 1000.
RUN useradd --uid 1001 --gid 0 --home-dir /home/ocsplab --create-home --shell /usr/sbin/nologin ocsplab \
 && mkdir -p /lab /mq-etc /drill /presigned && chown 1001:0 /lab /mq-etc /drill /presigned
COPY --from=deps --chown=1001:0 /app/node_modules ./node_modules
COPY --from=build --chown=1001:0 /src/dist/src ./dist/src
COPY --chown=1001:0 package.json ./
COPY --chown=1001:0 scenarios ./scenarios
COPY docker/ocsplab docker/lab-init.sh docker/responder.sh docker/healthcheck.mjs docker/ldap-publish.mjs /usr/local/bin/
USER 1001
EXPOSE 2560 2561 2570
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/usr/local/bin/healthcheck.mjs"]
ENTRYPOINT ["/usr/local/bin/ocsplab"]
CMD ["--help"]

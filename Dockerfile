# syntax=docker/dockerfile:1
# switchyard's image: the `switchyard` CLI (collector, migrate, report, budgets, demo
# --collector ...) compiled, on Node 20, with production dependencies only, run as the
# unprivileged `node` user. dashboards/docker-compose.yml builds and runs it.
#
#   docker build -t switchyard .
#   docker run --rm -e CLICKHOUSE_URL=http://user:pass@clickhouse:8123/otel switchyard migrate
#
# The store is a ClickHouse server (CLICKHOUSE_URL): the image leaves out the optional
# embedded engine (the chdb package, ~550 MB), so chdb:// stores do not open in it.
#
# `npm install`, not `npm ci`, in every stage: a few optional platform packages of our
# dependencies (chdb's macOS engines, a Windows helper of vite) are not recorded in
# package-lock.json because the registry the lockfile was made with does not serve
# them, so `npm ci` refuses the lockfile as out of sync. `npm install` with the
# committed lockfile installs the same pinned versions (as .ci/run does).
# test/package/docker-image.test.ts runs these install commands against the lockfile.

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only: no dev tools, no embedded engine.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
ENV npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm install --omit=dev --omit=optional --no-audit --no-fund \
 && npm cache clean --force

# The compiler and everything it reads. chdb stays in: its types are part of the
# build (src/store/create-store.ts), and this stage is thrown away.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json README.md ./
COPY bin ./bin
# The code stays root-owned and read-only to the process; what it writes (the
# collector's queue, the default .switchyard directory) goes to /var/lib/switchyard,
# which a named volume mounted there inherits the ownership of. The bin gets its exec
# bit again in case the checkout lost it (a Windows clone): the entry point runs it.
RUN chmod 755 /app/bin/switchyard.js \
 && ln -s /app/bin/switchyard.js /usr/local/bin/switchyard \
 && mkdir -p /var/lib/switchyard \
 && chown node:node /var/lib/switchyard
USER node
WORKDIR /var/lib/switchyard
EXPOSE 4318
ENTRYPOINT ["switchyard"]
CMD ["--help"]

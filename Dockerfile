# syntax=docker/dockerfile:1
# One image for every orderflow service. Build once, run any of them:
#   docker build --build-arg SERVICE=orders -t orderflow/orders .
#   docker run --rm -p 3001:3001 orderflow/orders        (runs node services/orders/dist/main.js)
# docker-compose.yml builds it once per service with the matching SERVICE; the layers are shared.
# Checked offline by tests/deploy (no Docker engine runs on the development machines).

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

# Only the manifests (every package.json and the lockfile), in their folders: the install layers below are
# rebuilt when dependencies change, not on every source edit.
FROM base AS manifests
COPY . /src
RUN mkdir -p /manifests \
 && cd /src \
 && find . -name node_modules -prune -o -name package.json -print | xargs -r cp --parents -t /manifests \
 && cp package-lock.json /manifests/

# Build: the same commands CI runs (.ci/run installs with npm 10's ci; npm test builds with turbo).
FROM base AS build
COPY --from=manifests /manifests/ ./
RUN npx --yes npm@10 ci --no-audit --no-fund
COPY . .
RUN npx turbo run build
# What the services read at run time besides node_modules: compiled code, the Avro schemas, the migrations
# (and any static files a workspace serves from public/). Gathered in out/ with their paths.
ARG RUNTIME_DIRS="dist schemas migrations public"
RUN mkdir -p out \
 && for ws in packages/* infra/* services/* tools/*; do \
      for part in $RUNTIME_DIRS; do \
        if [ -d "$ws/$part" ]; then mkdir -p "out/$ws" && cp -R "$ws/$part" "out/$ws/"; fi; \
      done; \
    done

# Production dependencies only: the same lockfile, without devDependencies. The workspaces are linked
# (node_modules/@orderflow/* -> ../../services/*), so the runtime stage keeps the same folder layout.
FROM base AS prod-deps
COPY --from=manifests /manifests/ ./
RUN npx --yes npm@10 ci --omit=dev --no-audit --no-fund \
 && rm -rf /root/.npm

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0
COPY --from=prod-deps /app/ ./
COPY --from=build /app/out/ ./
COPY docker/healthcheck.cjs docker/healthcheck.cjs
EXPOSE 3001 3002 3003 3004 3005 3006 3013
# Liveness: /healthz on the service's port (slim images have no curl; the probe uses Node's fetch).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.cjs", "/healthz"]
# The official node image's unprivileged user (uid 1000); the app files stay root-owned, read-only to it.
USER node
# Which service the container runs (services/<SERVICE>/dist/main.js); compose passes it per service.
ARG SERVICE=""
ENV SERVICE=${SERVICE}
CMD ["/bin/sh", "-c", "if [ -z \"$SERVICE\" ]; then echo 'set SERVICE (orders, inventory, payments, refunds, notifier, analytics) or give a command' >&2; exit 64; fi; exec node \"services/$SERVICE/dist/main.js\""]

# syntax=docker/dockerfile:1
#
# drplan-hooks image: the hook server (`node dist/server.js`, the default) and the CLI
# (`node dist/cli.js …`), which runner Jobs will start with their own arguments.
# Build: docker build -t ghcr.io/drplan-hooks/drplan-hooks:0.1.0 .
# Pin NODE_IMAGE to a digest for reproducible release builds.
ARG NODE_IMAGE=node:22-alpine

# --- build: full dependency tree, compile TypeScript to dist/ ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: no dependency needs an install script to compile or run.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only, from the same lockfile --------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime -----------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=8080 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Files stay owned by root and read-only to the runtime user: the process cannot modify
# its own code, and the pod runs with readOnlyRootFilesystem anyway.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# `render` plays runbooks under the controllers and CRDs of manifests/ (it finds them beside
# dist/); the samples come along as something to rehearse.
COPY manifests ./manifests
# The base image's `node` user, given numerically so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
# No HEALTHCHECK on purpose: Kubernetes ignores it; the Deployment's liveness (/healthz) and
# readiness (/readyz) probes do that job, and runner Jobs must not be health-checked at all.
# node runs as PID 1: the server handles SIGTERM itself (graceful shutdown) and spawns no
# child processes, so no init process is needed.
ENTRYPOINT ["node"]
CMD ["dist/server.js"]

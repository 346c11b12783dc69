# syntax=docker/dockerfile:1
#
# One image for both services of the scaled shape; the command picks the part:
#   identity | sidecar | migrate | clients <create|list|show|update|rotate-secret|disable>
# Configuration comes from the environment (see .env.example); compose.yaml runs the whole
# shape. Neither file is exercised by CI (it has no Docker engine): see docs/operations.md.

# ── build: install everything (better-sqlite3 compiles or fetches its native module here),
#    compile the protocol and server packages, then drop the development dependencies ──
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/client/package.json packages/client/
COPY packages/server/package.json packages/server/
COPY packages/journey/package.json packages/journey/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/protocol packages/protocol
COPY packages/server packages/server
RUN npx tsc -b packages/protocol packages/server \
 && npm prune --omit=dev --no-audit --no-fund

# ── runtime: the compiled packages and their production dependencies, as an unprivileged user ──
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/protocol/package.json packages/protocol/
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/dist packages/server/dist
USER node
# Listen on every interface inside the container; publish only the sidecar's port.
ENV IDENTITY_HOST=0.0.0.0 SIDECAR_HOST=0.0.0.0
EXPOSE 8140 8141
# SIGTERM reaches node directly (exec form), which drains for SHUTDOWN_GRACE seconds.
ENTRYPOINT ["node", "packages/server/dist/cli/main.js"]
CMD ["identity"]

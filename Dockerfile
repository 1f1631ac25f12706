# syntax=docker/dockerfile:1
#
# mcp-gateway container image. Build and run (see README, "Install as a service"):
#   docker build -t mcp-gateway .
#   docker run -d --name mcp-gateway --restart unless-stopped -p 127.0.0.1:39400:39400 \
#     -v "$PWD/servers.yaml:/etc/mcp-gateway/servers.yaml:ro" mcp-gateway
#
# It listens on 0.0.0.0 inside the container (Docker's port forwarding arrives on the container's interface, not on
# its loopback). The default config says `auth: none` for that reason, so publish the port on the host's loopback
# only, as above; before `-p 39400:39400` (every backend open to your whole network) configure auth.clients.
#
# Both stages use the same Node image, pinned by version and digest so a rebuild gets the same base. To move to a
# newer one: `docker buildx imagetools inspect node:<version>-bookworm-slim` prints the digest to put here.

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY examples ./examples
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
# tini as PID 1 reaps the grandchildren of stdio backends (npx and uvx start the real server as a child) and
# forwards SIGTERM to the gateway, which then stops its backends itself.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# MALLOC_TRIM_THRESHOLD_: as in the systemd units (glibc gives freed memory back above 1 MB; README, Performance).
ENV NODE_ENV=production MALLOC_TRIM_THRESHOLD_=1048576
WORKDIR /opt/mcp-gateway
# Owned by root and read-only for the gateway's user: it cannot change its own code.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/mcp-gateway.js /src/dist/gateway.cjs /src/dist/gateway.cjs.cache ./dist/
COPY --from=build /src/dist/examples ./dist/examples
RUN chmod 755 dist/mcp-gateway.js && ln -s /opt/mcp-gateway/dist/mcp-gateway.js /usr/local/bin/mcp-gateway
# The default configuration (the offline toolbox demo); mount your own over it.
COPY examples/docker/servers.yaml /etc/mcp-gateway/servers.yaml

# The node image's unprivileged "node" user, by number so that Kubernetes' runAsNonRoot can verify it. npx and uvx
# backends cache packages under its HOME, /home/node (give it a tmpfs or a volume when the root filesystem is
# read-only).
USER 1000:1000
EXPOSE 39400
# Liveness only (is the gateway's event loop answering?), never the backends' health. Assumes the default port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:39400/livez',{signal:AbortSignal.timeout(4000)}).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "mcp-gateway"]
# --host 0.0.0.0 overrides the file's host: inside the container, loopback cannot be reached through -p.
CMD ["serve", "--config", "/etc/mcp-gateway/servers.yaml", "--host", "0.0.0.0"]

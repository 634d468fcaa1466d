# syntax=docker/dockerfile:1
# rulemq container image: build with npm ci + tsc, run with production dependencies only, as a
# non-root user. Build from the repository root:
#   docker build -t rulemq:0.1.0 .
# Run with your rules file mounted at /etc/rulemq/rules.sql (the path RULEMQ_RULES points to):
#   docker run --rm -p 1883:1883 -p 8083:8083 -p 127.0.0.1:18083:18083 \
#     -v "$PWD/rules.sql:/etc/rulemq/rules.sql:ro" rulemq:0.1.0
# Settings are RULEMQ_* environment variables (see README.md, "Configuration").

# Node.js 22 LTS by default. The code also runs on Node 20 (the version the test suite runs on):
# --build-arg NODE_IMAGE=node:20-bookworm-slim builds on it.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, copied below; no
# dependency needs an install script to work.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY broker ./broker
COPY grammar ./grammar
COPY rules ./rules
COPY sinks ./sinks
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY LICENSE ./
# The HStreamDB gRPC client loads its .proto at run time from the source tree.
COPY sinks/hstreamdb/proto ./sinks/hstreamdb/proto
# A valid, empty rules file so the image starts without a mount; mount yours over it.
RUN mkdir -p /etc/rulemq \
 && printf '%s\n' '-- Mount your rules file here: -v "$PWD/rules.sql:/etc/rulemq/rules.sql:ro"' > /etc/rulemq/rules.sql \
 && mkdir -p /var/lib/rulemq && chown node:node /var/lib/rulemq
# /var/lib/rulemq: the one writable directory, for buffer_mode = 'disk' action buffers
# (buffer_dir = '/var/lib/rulemq/<action>'); mount a volume there to keep them across containers.

# The HTTP server (/metrics, /healthz, /readyz, /api/v5) binds 127.0.0.1 by default, which is
# unreachable from outside a container: listen on every interface here, publish it with care.
# RULEMQ_HTTP_ADDRESS_FILE: where rulemq writes the URL of its bound HTTP server for the HEALTHCHECK.
ENV RULEMQ_HTTP_HOST=0.0.0.0 \
    RULEMQ_RULES=/etc/rulemq/rules.sql \
    RULEMQ_HTTP_ADDRESS_FILE=/tmp/rulemq-http-address

# MQTT/TCP, MQTT/TLS, MQTT/WebSocket, MQTT/secure WebSocket, HTTP.
EXPOSE 1883 8883 8083 8084 18083

# The `node` user (uid 1000) of the base image; the app files stay root-owned and read-only to it.
USER node

# No curl in the slim image: Node's fetch does the probe. The URL comes from the file rulemq writes once
# its HTTP server listens, so the probe follows the port however it is set (--http-port, RULEMQ_HTTP_PORT,
# httpPort in a config file); no file yet (starting, or HTTP off) is unhealthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "let u;try{u=require('fs').readFileSync(process.env.RULEMQ_HTTP_ADDRESS_FILE,'utf8').trim()}catch{process.exit(1)}fetch(u+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["node", "dist/broker/cli.js"]
CMD ["start"]

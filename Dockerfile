# The gateway and a redis-server of its own in one image: `serve` starts the embedded redis-server
# unless --redis or REDIS_URL names another. Built and smoke-tested by .ci/run where docker is available;
# see docs/deploying.md for how to run it and what is and is not tested.

# Build: compile the TypeScript sources to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY examples examples
RUN npm run -s build

# Run: the production dependencies from the lockfile, the build, and Debian's redis-server.
FROM node:20-bookworm-slim
# tini as PID 1 forwards SIGTERM to the gateway (which drains requests, then stops its redis-server) and
# reaps what exits.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/src dist/src
COPY --from=build /src/dist/examples dist/examples
COPY bin bin
# The embedded redis-server keeps its data under /data; the image runs as the unprivileged node user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
ENV NODE_ENV=production
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "bin/redis-model-gateway.js"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/data/redis"]

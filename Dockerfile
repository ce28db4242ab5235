# chatloyalty on Node 24 (the image's own node: the `node` devDependency only pins Node for dev machines, so
# `npm ci --omit=dev` is enough — every package src/ and bots/ import is a runtime dependency; test/docker checks it).
# TypeScript runs through Node's type stripping: no build step. Untested against a real Docker daemon (see docs/deploy.md).
FROM node:24-slim

ENV NODE_ENV=production \
    PORT=8787 \
    DATA_DIR=/data \
    DEMO_SEED=false

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

COPY src ./src
COPY bots ./bots
COPY migrations ./migrations
COPY prompts ./prompts
COPY LICENSE README.md ./

# Non-root; /data holds the embedded database when DATABASE_URL is unset.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "--disable-warning=ExperimentalWarning", "src/node.ts"]

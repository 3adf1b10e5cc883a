# syntax=docker/dockerfile:1
# Tandem server image. Build: docker build -t tandem .   Run: see docker-compose.yml.

# --- build: compile TypeScript to dist/ and bundle the browser overlay into public/ -------------
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY public ./public
RUN npm run build

# --- runtime: production dependencies only, non-root -------------------------------------------
FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/public ./public
COPY migrations ./migrations
# /data holds the embedded database when DATABASE_URL is unset (single-container use).
RUN mkdir -p /data && chown node:node /data
# The `node` user (uid 1000) ships with the official image.
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Ops CLI inside the container: docker compose exec tandem1 node dist/cli/main.js --help
CMD ["node", "dist/server.js"]

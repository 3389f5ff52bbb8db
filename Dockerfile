# Letterpress: multi-stage build on Node LTS slim, running as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY bench ./bench
COPY types ./types
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY fonts ./fonts
COPY templates ./templates
COPY assets ./assets
COPY public ./public
# Batch jobs (embedded engine) keep their state and images here: mount a volume to keep them across restarts.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
# Liveness, not readiness: /healthz fails only for what a restart fixes (workers that did not start).
# /readyz also fails while Redis is away or the job engine waits for DATA_DIR; a restart would not
# help there (the engine retries by itself), so give /readyz to load balancers, not to this.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/server.js"]

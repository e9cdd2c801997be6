# Production image: one image, three roles (migrate, api, worker) chosen by the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# npm ci's postinstall applies these to node_modules (postgres.js's queue, see src/db/pool.ts)
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY drizzle ./drizzle
COPY tsconfig.json ./
# the worker runs workflow code bundled ahead of time (dist/workflow-bundle.js)
RUN node bin/scimflow.js build-workflows
USER node
ENTRYPOINT ["node", "bin/scimflow.js"]
CMD ["api"]

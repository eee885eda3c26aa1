# syntax=docker/dockerfile:1
# batchpool-operator: `docker build -t batchpool-operator:0.1.0 .`
# scripts/docker-recipe.ts performs these same steps without Docker (test/e2e/deploy-image.test.ts
# runs it), so the recipe is exercised on every CI run even where no image can be built.

# ---- build: full install (esbuild among the dev dependencies), bundle src/ into dist/ ----
# (npm's download cache is a BuildKit cache mount: it speeds up rebuilds and never lands in a layer.)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY scripts/build.ts ./scripts/
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the bundle only ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# 65532 = the conventional "nonroot" user; the Deployment's runAsUser matches it.
USER 65532:65532
EXPOSE 8080 8081
# Exec form: node itself is PID 1 and receives SIGTERM directly (no shell in between). The operator
# handles SIGTERM/SIGINT (drain, release the Lease, exit 0) and spawns no children, so there are no
# zombies to reap and no init (tini, --init) is needed.
# --max-semi-space-size: V8 sizes its young generation from the machine's memory, up to 64 MiB per
# semi-space; an operator allocates little per second and keeps less, and 4 MiB cut peak RSS at 1,000
# BatchPools from 358 to 262 MiB at the same CPU (bench/results/footprint.md). It depends on the
# workload, not on the container's limit, so it lives here; the heap limit, which does depend on
# the limit, is set beside it in the Deployment (docs/operations.md, "Memory"). bench:scale reads the
# flags from this line, so it measures the operator as the image starts it.
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli.js"]
CMD ["run"]

# syntax=docker/dockerfile:1
# The datavault node image: `datavault node` (the vault API, IPFS blocks, SQLite, the key service,
# the compute engine handing jobs to Kubernetes). It is also the job-io image: a Kubernetes job's
# pod runs its `fetch` and `upload` steps from it, with the command
# `node /app/compute-to-data/src/kubernetes/job-io.mjs fetch|upload` (set by the runner).
#
# Build from the repository root (nothing here was built on the project's machines, which have no
# container engine):
#   docker build -f deploy/docker/node.Dockerfile \
#     --build-arg NODE_IMAGE=docker.io/library/node:24-bookworm-slim@sha256:<digest> -t datavault-node .
# NODE_IMAGE has no default on purpose: the base is pinned by the digest you verified, and the
# build fails without one.
#
# No bubblewrap: in a cluster the node runs no job itself; jobs are Kubernetes Jobs in their own
# namespace, under gVisor or Kata.

ARG NODE_IMAGE

FROM ${NODE_IMAGE} AS build
ARG NODE_IMAGE
RUN echo "${NODE_IMAGE}" | grep -Eq '^[^@ ]+@sha256:[0-9a-f]{64}$' \
  || { echo "NODE_IMAGE must be a Node 24 image pinned by digest (name@sha256:<64 hex>), got '${NODE_IMAGE}'" >&2; exit 1; }
RUN node -e 'if (Number(process.versions.node.split(".")[0]) < 24) { console.error("Node 24 or newer is needed, the base has " + process.version); process.exit(1) }'
WORKDIR /app
# The lock file and the manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY datatoken-contracts/package.json datatoken-contracts/
COPY sdk/package.json sdk/
COPY compute-to-data/package.json compute-to-data/
COPY vault/package.json vault/
COPY cli/package.json cli/
# The runtime dependencies of the five packages the node runs (the CLI starts it); no dev tools, no install scripts.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace=@datavault/contracts --workspace=@datavault/sdk \
      --workspace=@datavault/compute-to-data --workspace=@datavault/vault \
      --workspace=@datavault/cli \
  && npm cache clean --force
COPY datatoken-contracts/ datatoken-contracts/
COPY sdk/ sdk/
COPY compute-to-data/ compute-to-data/
COPY vault/ vault/
COPY cli/ cli/
# The build's own check: the command starts and knows its settings.
RUN node cli/bin/datavault.mjs node --help >/dev/null

FROM ${NODE_IMAGE}
ARG NODE_IMAGE
RUN echo "${NODE_IMAGE}" | grep -Eq '^[^@ ]+@sha256:[0-9a-f]{64}$' || { echo "NODE_IMAGE must be pinned by digest" >&2; exit 1; }
# Owned by root and not writable by the node's user; the data dir is a volume.
COPY --from=build /app /app
RUN mkdir -p /var/lib/datavault && chown 65532:65532 /var/lib/datavault && chmod 0700 /var/lib/datavault
ENV NODE_ENV=production \
    DATAVAULT_DATA_DIR=/var/lib/datavault \
    DATAVAULT_HOST=0.0.0.0 \
    DATAVAULT_PORT=8700
WORKDIR /app
VOLUME /var/lib/datavault
# 8700: the vault API; 8701: the job gateway (job pods' fetch and upload steps only).
EXPOSE 8700 8701
USER 65532:65532
ENTRYPOINT ["node", "/app/cli/bin/datavault.mjs", "node"]

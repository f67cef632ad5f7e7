# syntax=docker/dockerfile:1
# The PyTorch trainer image, CPU: Debian 12's python3 and python3-torch 1.13 (the same packages the
# local bubblewrap sandbox runs the torch trainers with). A Kubernetes job's trainer container runs
# `python3 -I -B /job/<program>.py`; the program, its config and the inputs are fetched into /job and
# /data at run time by the job-io step, so the image holds no datavault code.
#
#   docker build -f deploy/docker/trainer-cpu.Dockerfile \
#     --build-arg DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim@sha256:<digest> -t datavault-trainer-cpu deploy/docker
# DEBIAN_IMAGE has no default on purpose: the build fails without a base pinned by digest.
# Not built on the project's machines (no container engine there).

ARG DEBIAN_IMAGE

FROM ${DEBIAN_IMAGE}
ARG DEBIAN_IMAGE
ARG TORCH_VERSION=1.13.1+dfsg-4
RUN echo "${DEBIAN_IMAGE}" | grep -Eq '^[^@ ]+@sha256:[0-9a-f]{64}$' \
  || { echo "DEBIAN_IMAGE must be pinned by digest (name@sha256:<64 hex>), got '${DEBIAN_IMAGE}'" >&2; exit 1; }
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 "python3-torch=${TORCH_VERSION}" \
  && rm -rf /var/lib/apt/lists/* \
  && python3 -c 'import torch, functorch; print("torch", torch.__version__)'
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /job
USER 65532:65532
ENTRYPOINT ["python3", "-I", "-B"]

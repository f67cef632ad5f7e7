# syntax=docker/dockerfile:1
# The PyTorch trainer image, CUDA: PyTorch's official runtime image (python3, torch with CUDA and
# cuDNN; `functorch` ships with torch 2.x). A Kubernetes job's trainer container runs
# `python3 -I -B /job/<program>.py` on a GPU node (the environment asks for `nvidia.com/gpu`); the
# trainer picks `device='cuda'` when a GPU is visible. The program, its config and the inputs are
# fetched into /job and /data at run time, so the image holds no datavault code.
#
#   docker build -f deploy/docker/trainer-cuda.Dockerfile \
#     --build-arg PYTORCH_IMAGE=docker.io/pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime@sha256:<digest> \
#     -t datavault-trainer-cuda deploy/docker
# PYTORCH_IMAGE has no default on purpose: the build fails without a base pinned by digest.
# Not built on the project's machines (no container engine, no GPU there).

ARG PYTORCH_IMAGE

FROM ${PYTORCH_IMAGE}
ARG PYTORCH_IMAGE
RUN echo "${PYTORCH_IMAGE}" | grep -Eq '^[^@ ]+@sha256:[0-9a-f]{64}$' \
  || { echo "PYTORCH_IMAGE must be pinned by digest (name@sha256:<64 hex>), got '${PYTORCH_IMAGE}'" >&2; exit 1; }
# Importable at build time (no GPU needed to import); CUDA is checked by the job at run time.
RUN python3 -c 'import torch, functorch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /job
USER 65532:65532
ENTRYPOINT ["python3", "-I", "-B"]

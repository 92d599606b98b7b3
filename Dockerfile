# credverify in a container, for the Kubernetes Indexed Job in deploy/.
# Build (where a registry is reachable):
#   docker build -t REGISTRY/credverify:0.1.0 .
# The image holds the binary only; inputs, documents and parts live on a
# shared volume mounted at /data.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# aws-lc-sys builds its C code with the image's compiler.
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked && strip target/release/credverify

FROM debian:bookworm-slim
COPY --from=build /src/target/release/credverify /usr/local/bin/credverify
# /bin/sh is kept: the merge step expands the parts' names with a glob.
ENTRYPOINT ["credverify"]

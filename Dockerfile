# Builds the app without a database: queries are checked against the committed .sqlx/ cache.
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked --bin mockexam

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app mockexam
WORKDIR /app
COPY --from=build /src/target/release/mockexam /usr/local/bin/mockexam
COPY question-bank /app/question-bank
USER mockexam
ENV MOCKEXAM_BIND=0.0.0.0:8080 MOCKEXAM_BANK=/app/question-bank
EXPOSE 8080
CMD ["mockexam", "serve"]

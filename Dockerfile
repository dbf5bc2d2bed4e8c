# syntax=docker/dockerfile:1
# Build: docker build --build-arg VERSION=$(git describe --always) -t intakebot .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/intakebot ./cmd/intakebot

# distroless/static: CA certificates, no shell, runs as an unprivileged user.
# Time zone data is compiled into the binary (time/tzdata).
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="intakebot" \
      org.opencontainers.image.description="Telegram intake assistant for young people leaving youth care" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/intakebot /usr/local/bin/intakebot
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/intakebot"]
CMD ["serve"]

# AuthProxy container image: a framework-dependent publish on the ASP.NET Core runtime image, run as non-root.
#
#   docker build -t authproxy .
#   docker run -p 8080:8080 -v "$PWD/config:/app/config:ro" -e TokenProviders__kp__ApiKey=... authproxy
#
# No configuration is baked in: mount one at /app/config (a Kubernetes ConfigMap in deploy/kubernetes/).
# tests/AuthProxy.Tests/Deployment/PublishedAppTests.cs runs this file's restore, publish, ENV and ENTRYPOINT on the host
# (no Docker engine needed, $TARGETARCH as the host's), so keep those lines in their simple one-line form.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Set by BuildKit to the image's architecture (amd64, arm64): the publish is ReadyToRun for it (README "Performance").
ARG TARGETARCH
WORKDIR /source
# Restore first, from the project and build files only, so the layer is reused while only code changes. Package
# versions live in Directory.Packages.props, so the Directory.* files must be present before restore.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/AuthProxy/AuthProxy.csproj src/AuthProxy/
RUN dotnet restore src/AuthProxy/AuthProxy.csproj -a $TARGETARCH
COPY src/AuthProxy/ src/AuthProxy/
RUN dotnet publish src/AuthProxy/AuthProxy.csproj -c Release -a $TARGETARCH -o /app/publish --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app/publish .
ENV AUTHPROXY_CONFIG=/app/config/authproxy.json
# Every interface, so the container port can be published. With no InboundAuth clients the proxy refuses to start
# on a listener that is not loopback (README "Securing the proxy"): configure InboundAuth:Clients, or set
# InboundAuth__AllowAnonymous=true when something in front (a mesh with mTLS, an API gateway) authenticates callers.
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
# The aspnet image's non-root "app" user ($APP_UID), written as its number: Kubernetes can verify runAsNonRoot only
# against a numeric USER. OpenShift's restricted SCC replaces it with a UID of the project's range (group 0); nothing in
# /app needs to be writable. No HEALTHCHECK: the image has no curl; orchestrators probe /healthz and /readyz.
USER 1654
ENTRYPOINT ["dotnet", "AuthProxy.dll"]

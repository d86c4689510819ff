# AuthProxy container image: a framework-dependent publish on the ASP.NET Core runtime image, run as non-root.
#
#   docker build -t authproxy .
#   docker run -p 8080:8080 -v "$PWD/config:/app/config:ro" -e TokenProviders__kp__ApiKey=... authproxy
#
# No configuration is baked in: mount one at /app/config (a Kubernetes ConfigMap in deploy/kubernetes/).
# tests/AuthProxy.Tests/Deployment/PublishedAppTests.cs runs this file's publish, ENV and ENTRYPOINT on the host
# (no Docker engine needed), so keep those lines in their simple one-line form.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# Restore first, from the project and build files only, so the layer is reused while only code changes.
# YARP arrives through a PackageDownload in Directory.Build.targets (its dependency graph cannot be restored),
# so the Directory.Build.* files must be present before restore.
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY src/AuthProxy/AuthProxy.csproj src/AuthProxy/
RUN dotnet restore src/AuthProxy/AuthProxy.csproj
COPY src/AuthProxy/ src/AuthProxy/
RUN dotnet publish src/AuthProxy/AuthProxy.csproj -c Release -o /app/publish --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app/publish .
ENV AUTHPROXY_CONFIG=/app/config/authproxy.json
# Every interface, so the container port can be published. With no InboundAuth clients the proxy refuses to start
# on a listener that is not loopback (CONTRACT §4): configure InboundAuth:Clients, or set
# InboundAuth__AllowAnonymous=true when something in front (a mesh with mTLS, an API gateway) authenticates callers.
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
# The image's non-root "app" user. No HEALTHCHECK: the image has no curl; orchestrators probe /healthz and /readyz.
USER $APP_UID
ENTRYPOINT ["dotnet", "AuthProxy.dll"]

# syntax=docker/dockerfile:1
# The host (functions/ClientHub.Functions) as one image for every role; ClientHub__Roles picks the role at run time.
#   docker build -t <registry>/clienthub:<tag> .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so a code change does not invalidate the package layer.
COPY Directory.Build.props Directory.Packages.props ./
COPY functions/ClientHub.Core/ClientHub.Core.csproj functions/ClientHub.Core/
COPY functions/ClientHub.Storage/ClientHub.Storage.csproj functions/ClientHub.Storage/
COPY functions/ClientHub.Functions/ClientHub.Functions.csproj functions/ClientHub.Functions/
RUN dotnet restore functions/ClientHub.Functions/ClientHub.Functions.csproj
COPY functions/ functions/
RUN dotnet publish functions/ClientHub.Functions/ClientHub.Functions.csproj -c Release --no-restore -o /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# HostJson.Locate finds host.json beside the app (its base directory); it configures triggers and the Durable Task engine.
COPY host.json ./
# All interfaces on 8080: ASP.NET Core's container default, the Container Apps target port (infra/main.bicep targetPort).
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# The non-root user the aspnet images ship ($APP_UID); the host needs no file system writes.
USER $APP_UID
ENTRYPOINT ["dotnet", "ClientHub.Functions.dll"]

namespace AuthProxy.Sandbox.Hosting;

/// <summary>
/// Ready-to-paste <c>curl</c> commands (and <c>grpc-call</c> ones for gRPC) for the routes of the loaded proxy configuration that lead to an emulator.
/// Routes to anything else, or whose path cannot be derived (no trailing catch-all), get none.
/// </summary>
internal static class CurlLines
{
    private const string KeyProtectBody =
        """{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"type":"application/vnd.ibm.kms.key+json","name":"demo-key","extractable":false}]}""";

    /// <summary>The bundled gRPC client (a running sandbox is already built, hence --no-build).</summary>
    private const string GrpcCall = "dotnet run --no-build --project src/AuthProxy.Sandbox -- grpc-call";

    private const string GenerationBody = """{"model_id":"ibm/granite-13b-instruct-v2","input":"Hello from the sandbox","project_id":"sandbox-project"}""";

    /// <summary>(title, command) pairs, in route order.</summary>
    public static IReadOnlyList<(string Title, string Command)> Build(IConfiguration configuration, string proxyUrl, EmulatorUrls emulators)
    {
        var lines = new List<(string, string)>();
        var proxy = proxyUrl.TrimEnd('/');
        var needsClientKey = configuration.GetSection("InboundAuth:Clients").GetChildren().Any();
        var jwtClients = JwtClients(configuration, emulators.OidcIssuer);
        var streamShown = false;
        foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var target = Target(configuration, route["ClusterId"], emulators);
            if (target == "grep11")
            {
                if (emulators.ProxyGrpc is { } grpc)
                {
                    var apiKey = needsClientKey && !string.Equals(route["AuthorizationPolicy"], "Anonymous", StringComparison.OrdinalIgnoreCase)
                        ? " --api-key \"$AUTHPROXY_CLIENT_KEY\""
                        : "";
                    lines.Add(($"route '{route.Key}' → GREP11 emulator over gRPC: 16 random bytes", $"{GrpcCall} {grpc} GenerateRandom --len 16{apiKey}"));
                    lines.Add(($"route '{route.Key}' → GREP11 emulator over gRPC: a server stream of 5 replies",
                        $"{GrpcCall} {grpc} GenerateRandomStream --len 8 --count 5{apiKey}"));
                }

                continue;
            }

            var basePath = BasePath(route);
            if (target is null || basePath is null)
            {
                continue;
            }

            var clientKey = needsClientKey && !string.Equals(route["AuthorizationPolicy"], "Anonymous", StringComparison.OrdinalIgnoreCase)
                ? " -H \"X-API-Key: $AUTHPROXY_CLIENT_KEY\""
                : "";
            var url = proxy + basePath;
            var allowed = jwtClients.Where(c => Allows(configuration, route["AuthorizationPolicy"], c.Name)).ToList();
            if (clientKey.Length > 0 && allowed.Count > 0 && target == "keyprotect")
            {
                // JWT clients: each line mints the client's token (as its service-account token file would hold it) and
                // calls with it; the Key Protect emulator logs which IBM identity each call carried.
                foreach (var (name, subject, identity) in allowed)
                {
                    var mint = $"$(curl -s '{emulators.OidcIssuer}/sandbox/token?sub={subject}')";
                    lines.Add(($"route '{route.Key}' → Key Protect emulator as JWT client '{name}'{identity}: list keys",
                        $"curl -s -H \"Authorization: Bearer {mint}\" {url}api/v2/keys"));
                }

                continue;
            }

            switch (target)
            {
                case "keyprotect":
                    lines.Add(($"route '{route.Key}' → Key Protect emulator: list keys", $"curl -s{clientKey} {url}api/v2/keys"));
                    lines.Add(($"route '{route.Key}' → Key Protect emulator: create a key",
                        $"curl -s{clientKey} -X POST {url}api/v2/keys -H 'Content-Type: application/json' -d '{KeyProtectBody}'"));
                    break;
                case "cloudpak":
                    lines.Add(($"route '{route.Key}' → Cloud Pak emulator: list deployments", $"curl -s{clientKey} '{url}ml/v4/deployments?version=2024-05-01'"));
                    lines.Add(($"route '{route.Key}' → Cloud Pak emulator: generate text",
                        $"curl -s{clientKey} -X POST '{url}ml/v1/text/generation?version=2024-05-01' -H 'Content-Type: application/json' -d '{GenerationBody}'"));
                    if (!streamShown)
                    {
                        // Once: the stream is the same whatever the route's credential.
                        streamShown = true;
                        lines.Add(($"route '{route.Key}' → Cloud Pak emulator: stream generated text (server-sent events, one per token)",
                            $"curl -sN{clientKey} -X POST '{url}ml/v1/text/generation_stream?version=2024-05-01' -H 'Accept: text/event-stream' -H 'Content-Type: application/json' -d '{GenerationBody}'"));
                    }
                    break;
                case "sklm":
                    lines.Add(($"route '{route.Key}' → SKLM emulator: list keys", $"curl -s{clientKey} {url}SKLM/rest/v1/ckms/keys"));
                    break;
            }
        }

        return lines;
    }

    /// <summary>The JWT clients whose issuer is the sandbox's OIDC issuer: (name, subject, " (own identity: provider)" or "").</summary>
    private static List<(string Name, string Subject, string Identity)> JwtClients(IConfiguration configuration, string? oidcIssuer)
    {
        var found = new List<(string, string, string)>();
        if (oidcIssuer is null)
        {
            return found;
        }

        var issuers = configuration.GetSection("InboundAuth:JwtIssuers").GetChildren()
            .Where(i => Authority(i["Issuer"]) == Authority(oidcIssuer))
            .Select(i => i.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var client in configuration.GetSection("InboundAuth:Clients").GetChildren())
        {
            if (client["Jwt:Issuer"] is { } issuer && issuers.Contains(issuer) && client["Jwt:Subject"] is { Length: > 0 } subject)
            {
                var mappings = client.GetSection("TokenProviders").GetChildren().Select(m => $"{m.Key} → {m.Value}").ToList();
                found.Add((client.Key, subject, mappings.Count == 0 ? "" : $" (own IBM identity: {string.Join(", ", mappings)})"));
            }
        }

        return found;
    }

    /// <summary>Whether the route's policy lets <paramref name="client"/> in (no policy or <c>Default</c>: any client).</summary>
    private static bool Allows(IConfiguration configuration, string? policy, string client) =>
        string.IsNullOrEmpty(policy) || policy.Equals("Default", StringComparison.OrdinalIgnoreCase) ||
        configuration.GetSection($"InboundAuth:Policies:{policy}").GetChildren().Any(m => string.Equals(m.Value, client, StringComparison.OrdinalIgnoreCase));

    /// <summary>Which emulator the route's cluster points at, by the destinations' host and port.</summary>
    private static string? Target(IConfiguration configuration, string? clusterId, EmulatorUrls emulators)
    {
        if (string.IsNullOrEmpty(clusterId))
        {
            return null;
        }

        foreach (var destination in configuration.GetSection($"ReverseProxy:Clusters:{clusterId}:Destinations").GetChildren())
        {
            var authority = Authority(destination["Address"]);
            if (authority is null)
            {
                continue;
            }

            if (authority == Authority(emulators.KeyProtect))
            {
                return "keyprotect";
            }

            if (authority == Authority(emulators.CloudPak))
            {
                return "cloudpak";
            }

            if (authority == Authority(emulators.Sklm))
            {
                return "sklm";
            }

            if (emulators.Grep11 is { } grep11 && authority == Authority(grep11))
            {
                return "grep11";
            }
        }

        return null;
    }

    /// <summary>
    /// The proxy path that maps to the upstream's root, ending in '/': <c>/kms/</c> for <c>/kms/{**rest}</c> with
    /// <c>PathRemovePrefix /kms</c>, <c>/</c> for a root catch-all without prefix removal; null otherwise.
    /// </summary>
    private static string? BasePath(IConfigurationSection route)
    {
        var path = route["Match:Path"];
        var catchAll = path?.IndexOf("/{**", StringComparison.Ordinal) ?? -1;
        if (path is null || catchAll < 0 || !path.EndsWith('}'))
        {
            return null;
        }

        var prefix = path[..catchAll];
        var removed = route.GetSection("Transforms").GetChildren().Select(t => t["PathRemovePrefix"]).FirstOrDefault(p => p is not null);
        if (removed is null)
        {
            return prefix.Length == 0 ? "/" : null;
        }

        return string.Equals(removed.TrimEnd('/'), prefix, StringComparison.OrdinalIgnoreCase) ? prefix + "/" : null;
    }

    private static string? Authority(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority.ToUpperInvariant() : null;
}

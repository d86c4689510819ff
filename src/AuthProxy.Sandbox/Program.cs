using System.Reflection;
using AuthProxy.Configuration;
using AuthProxy.Hosting;
using AuthProxy.Sandbox.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

// The sandbox: IBM service emulators on fixed loopback ports plus the real proxy in-process, for the demo.
if (args is ["grpc-call", .. var callArgs])
{
    return await AuthProxy.Sandbox.Grep11.GrpcCallCommand.RunAsync(callArgs, Console.Out, Console.Error);
}

var arguments = SandboxArguments.Parse(args, out var argumentError);
if (argumentError is not null)
{
    Console.Error.WriteLine(argumentError);
    Console.Error.WriteLine();
    Console.Error.WriteLine(SandboxArguments.Usage);
    return 2;
}

if (arguments.Help)
{
    Console.WriteLine(SandboxArguments.Usage);
    return 0;
}

if (arguments.Version)
{
    Console.WriteLine($"AuthProxy.Sandbox {typeof(SandboxArguments).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
    return 0;
}

arguments.Emulators.ConfigureLogging = logging => logging
    .AddSimpleConsole(console => console.SingleLine = true)
    .AddFilter("Microsoft", LogLevel.Warning)
    .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None) // a start failure (port taken) is reported below, without the stack
    .SetMinimumLevel(LogLevel.Information);

SandboxEmulators emulators;
try
{
    emulators = await SandboxEmulators.StartAsync(arguments.Emulators);
}
catch (IOException ex)
{
    Console.Error.WriteLine($"AuthProxy sandbox: an emulator port is taken ({ex.Message}). Stop what uses it or pick other ports (--help).");
    return 1;
}

await using (emulators)
{
    Console.WriteLine("AuthProxy sandbox emulators:");
    Console.WriteLine($"  IAM          {emulators.Iam.TokenUrl}   (API key '{SandboxDefaults.ApiKey}', trusted profile '{SandboxDefaults.TrustedProfileName}')");
    Console.WriteLine($"  Key Protect  {emulators.KeyProtect.Url}/api/v2/keys   (bluemix-instance {SandboxDefaults.KeyProtectInstanceId})");
    Console.WriteLine($"  Cloud Pak    {emulators.CloudPak.Url}   (user '{SandboxDefaults.CloudPakUsername}', password '{SandboxDefaults.CloudPakPassword}', API key '{SandboxDefaults.CloudPakApiKey}')");
    Console.WriteLine($"  SKLM         {emulators.Sklm.Url}/SKLM/rest/v1   (user '{SandboxDefaults.SklmUserId}', password '{SandboxDefaults.SklmPassword}')");
    Console.WriteLine($"  VPC metadata {emulators.VpcMetadata.Url}/instance_identity/v1   (trusted profile '{SandboxDefaults.TrustedProfileId}')");
    Console.WriteLine($"  OIDC issuer  {emulators.OidcIssuer.JwksUrl}   (mint a JWT: curl -s '{emulators.OidcIssuer.Url}{AuthProxy.Sandbox.Oidc.OidcIssuerEmulator.MintPath}?sub=<subject>')");
    Console.WriteLine($"  GREP11       {emulators.Grep11.Url}   (gRPC over h2c: grep11.Crypto, bluemix-instance {SandboxDefaults.KeyProtectInstanceId})");

    if (arguments.EmulatorsOnly)
    {
        Console.WriteLine("Emulators only; press Ctrl+C to stop.");
        await ShutdownSignal.WaitAsync();
        PrintCounters(emulators);
        return 0;
    }

    var proxyArgs = SandboxListeners.WithGrpcListener(
        SandboxConfigLocator.WithConfig(arguments.ProxyArgs, Directory.GetCurrentDirectory(), AppContext.BaseDirectory),
        arguments.GrpcPort, Environment.GetEnvironmentVariable).ToArray();
    WebApplication proxy;
    try
    {
        // The runner prints its own banner; the host's "Application started" lines would only repeat it.
        proxy = AuthProxyApp.Build(proxyArgs, builder => builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true));
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"AuthProxy sandbox: {ex.Message.Replace(" (Parameter 'args')", "", StringComparison.Ordinal)}");
        Console.Error.WriteLine();
        Console.Error.WriteLine(SandboxArguments.Usage);
        return 2;
    }
    catch (ConfigurationProblemsException ex)
    {
        Console.Error.WriteLine($"AuthProxy: configuration '{SandboxConfigLocator.Describe(proxyArgs)}' is invalid:");
        foreach (var problem in ex.Problems)
        {
            Console.Error.WriteLine("  " + problem);
        }

        return 1;
    }

    await using (proxy)
    {
        try
        {
            await proxy.StartAsync();
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"AuthProxy sandbox: the proxy cannot listen ({ex.Message}). Pass --urls http://127.0.0.1:PORT to pick another port.");
            return 1;
        }

        var grpcUrl = proxy.Configuration[$"Kestrel:Endpoints:{SandboxListeners.GrpcEndpoint}:Url"];
        var proxyUrl = proxy.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Where(a => grpcUrl is null || !string.Equals(a.TrimEnd('/'), grpcUrl, StringComparison.OrdinalIgnoreCase))
            .OrderBy(a => a.StartsWith("http://", StringComparison.Ordinal) ? 0 : 1).First();
        Console.WriteLine();
        Console.WriteLine($"AuthProxy listening on {proxyUrl} with configuration {SandboxConfigLocator.Describe(proxyArgs)}");
        Console.WriteLine($"Dashboard (this host only): {AuthProxyApp.DashboardUrl(proxy, proxyUrl)}");
        if (grpcUrl is not null)
        {
            Console.WriteLine($"AuthProxy listening for gRPC (HTTP/2 without TLS) on {grpcUrl}");
        }

        var curlLines = CurlLines.Build(proxy.Configuration, proxyUrl, new EmulatorUrls(emulators.KeyProtect.Url, emulators.CloudPak.Url,
            emulators.Sklm.Url, emulators.OidcIssuer.Url, emulators.Grep11.Url, grpcUrl));
        if (curlLines.Count == 0)
        {
            Console.WriteLine("No route of this configuration leads to an emulator.");
        }

        foreach (var (title, command) in curlLines)
        {
            Console.WriteLine();
            Console.WriteLine("# " + title);
            Console.WriteLine(command);
        }

        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop.");
        await proxy.WaitForShutdownAsync();
    }

    PrintCounters(emulators);
}

return 0;

static void PrintCounters(SandboxEmulators emulators)
{
    Console.WriteLine("Emulator counters:");
    Console.WriteLine($"  IAM          {emulators.Iam.Counters}");
    Console.WriteLine($"  Key Protect  {emulators.KeyProtect.Counters}");
    Console.WriteLine($"  Cloud Pak    {emulators.CloudPak.Counters}");
    Console.WriteLine($"  SKLM         {emulators.Sklm.Counters}");
    Console.WriteLine($"  VPC metadata {emulators.VpcMetadata.Counters}");
    Console.WriteLine($"  OIDC issuer  {emulators.OidcIssuer.Counters}");
    Console.WriteLine($"  GREP11       {emulators.Grep11.Counters}");
}

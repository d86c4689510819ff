using System.Globalization;
using AuthProxy.Sandbox.Grep11.Protocol;
using AuthProxy.Sandbox.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace AuthProxy.Sandbox.Grep11;

/// <summary>
/// <c>grpc-call</c>: a tiny gRPC client for the sandbox's GREP11 route, so the demo needs no grpcurl. It calls
/// <c>grep11.Crypto</c> through the proxy's h2c listener, with no credential of its own (the proxy adds it), and prints
/// each reply as JSON, or the gRPC status as a gRPC client library reports it.
/// </summary>
internal static class GrpcCallCommand
{
    public const string Usage = """
        Usage: dotnet run --project src/AuthProxy.Sandbox -- grpc-call [URL] [METHOD] [--len N] [--count N] [--api-key KEY] [--deadline SECONDS]

        Calls the GREP11 emulator's grep11.Crypto service through AuthProxy's HTTP/2 (h2c) listener.
          URL          the proxy's gRPC listener (default http://127.0.0.1:8081)
          METHOD       GenerateRandom (default) or GenerateRandomStream
          --len N      random bytes per reply (default 16)
          --count N    replies of GenerateRandomStream (default 5)
          --api-key K  send x-api-key metadata (for a configuration with InboundAuth clients)
          --deadline S the call's deadline in seconds (default 30)
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var url = SandboxListeners.GrpcUrl(SandboxDefaults.ProxyGrpcPort);
        var method = "GenerateRandom";
        ulong length = 16;
        uint count = 5;
        string? apiKey = null;
        var deadline = TimeSpan.FromSeconds(30);
        var positional = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{arg} needs a value");
            try
            {
                switch (arg)
                {
                    case "-h" or "--help":
                        await output.WriteLineAsync(Usage);
                        return 0;
                    case "--len":
                        length = ulong.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
                        break;
                    case "--count":
                        count = uint.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
                        break;
                    case "--api-key":
                        apiKey = Value();
                        break;
                    case "--deadline":
                        deadline = TimeSpan.FromSeconds(double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture));
                        break;
                    case var _ when arg.StartsWith('-'):
                        throw new FormatException($"unknown option '{arg}'");
                    case var _ when positional++ == 0 && arg.Contains("://", StringComparison.Ordinal):
                        url = arg;
                        break;
                    default:
                        method = arg;
                        break;
                }
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                await error.WriteLineAsync($"grpc-call: {ex.Message}");
                await error.WriteLineAsync(Usage);
                return 2;
            }
        }

        if (method is not ("GenerateRandom" or "GenerateRandomStream"))
        {
            await error.WriteLineAsync($"grpc-call: unknown method '{method}' (GenerateRandom or GenerateRandomStream)");
            return 2;
        }

        using var channel = GrpcChannel.ForAddress(url);
        var client = new Crypto.CryptoClient(channel);
        var headers = new Metadata();
        if (apiKey is not null)
        {
            headers.Add("x-api-key", apiKey);
        }

        var options = new CallOptions(headers, DateTime.UtcNow + deadline);
        var formatter = new JsonFormatter(JsonFormatter.Settings.Default);
        await output.WriteLineAsync($"grep11.Crypto/{method} via {url}");
        try
        {
            if (method == "GenerateRandom")
            {
                var reply = await client.GenerateRandomAsync(new GenerateRandomRequest { Len = length }, options);
                await output.WriteLineAsync(formatter.Format(reply));
            }
            else
            {
                using var call = client.GenerateRandomStream(new GenerateRandomStreamRequest { Len = length, Count = count }, options);
                await foreach (var reply in call.ResponseStream.ReadAllAsync())
                {
                    await output.WriteLineAsync($"{DateTime.Now:HH:mm:ss.fff} {formatter.Format(reply)}");
                }
            }

            await output.WriteLineAsync("Status: OK");
            return 0;
        }
        catch (RpcException ex)
        {
            await output.WriteLineAsync($"Status: {ex.StatusCode} ({(int)ex.StatusCode}): {ex.Status.Detail}");
            if (ex.Trailers.GetValue("grpc-retry-pushback-ms") is { } pushback)
            {
                await output.WriteLineAsync($"Retry pushback: {pushback} ms");
            }

            return 1;
        }
    }
}

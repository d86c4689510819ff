using AuthProxy.Sandbox.Hosting;
using AuthProxy.Sandbox.Tokens;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AuthProxy.Sandbox.Grep11;

/// <summary>
/// A GREP11-like gRPC service (Hyper Protect Crypto Services' EP11 API) over cleartext HTTP/2: <c>grep11.Crypto</c>'s
/// <c>GenerateRandom</c> and a server-streaming <c>GenerateRandomStream</c> (see <c>grep11.proto</c>). Every call needs
/// <c>authorization: Bearer</c> metadata with a live token of <see cref="Grep11EmulatorOptions.TokenIssuer"/> and
/// <c>bluemix-instance</c> naming the instance, as HPCS does; anything else is answered <c>UNAUTHENTICATED</c>.
/// <see cref="Emulator.BeforeApi"/> is not run: a hook writes HTTP answers, which a gRPC call cannot carry.
/// </summary>
public sealed class Grep11Emulator : Emulator
{
    /// <summary>Most random bytes one reply carries.</summary>
    public const int MaxLength = 4096;

    /// <summary>Most replies one <c>GenerateRandomStream</c> call asks for.</summary>
    public const int MaxCount = 1000;

    private readonly string _issuer;

    private Grep11Emulator(Grep11EmulatorOptions options)
        : base("GREP11", options, options.TokenIssuer)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.InstanceId);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StreamInterval, TimeSpan.Zero);
        InstanceId = options.InstanceId;
        StreamInterval = options.StreamInterval;
        _issuer = options.TokenIssuer;
    }

    public string InstanceId { get; }

    /// <summary>The pause between two replies of a stream.</summary>
    public TimeSpan StreamInterval { get; }

    /// <summary>Starts a GREP11 emulator on 127.0.0.1 (h2c). Give it the IAM emulator's token store (<see cref="EmulatorOptions.Tokens"/>).</summary>
    public static Task<Grep11Emulator> StartAsync(Grep11EmulatorOptions? options = null, CancellationToken cancellationToken = default) =>
        ListenAsync(new Grep11Emulator(options ?? new Grep11EmulatorOptions()), cancellationToken);

    private protected override HttpProtocols Protocols => HttpProtocols.Http2;

    private protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddGrpc();
        services.AddSingleton(this);
    }

    private protected override void MapEndpoints(IEndpointRouteBuilder endpoints) => endpoints.MapGrpcService<Grep11Service>();

    /// <summary>Counts the call and checks its token and instance; throws <c>UNAUTHENTICATED</c> when refused.</summary>
    internal void Authorize(ServerCallContext call)
    {
        var context = call.GetHttpContext();
        Counters.CountApiRequest();
        if (!EmulatorHttp.TryGetAuthorization(context, "Bearer", out var credential, out var reason) ||
            !Tokens.TryUse(credential, _issuer, Time.GetUtcNow(), out reason, out _))
        {
            Refuse(context, reason, "the request carries no valid IAM access token");
        }

        var instance = context.Request.Headers["bluemix-instance"].ToString();
        if (instance.Length == 0)
        {
            Refuse(context, RejectionReason.MissingInstance, "the 'bluemix-instance' metadata is required");
        }

        if (!string.Equals(instance, InstanceId, StringComparison.OrdinalIgnoreCase))
        {
            Refuse(context, RejectionReason.WrongInstance, "the token is not valid for this instance");
        }
    }

    /// <summary>Waits <see cref="StreamInterval"/> on the emulator's clock.</summary>
    internal Task PauseAsync(CancellationToken cancellationToken) =>
        StreamInterval > TimeSpan.Zero ? Task.Delay(StreamInterval, Time, cancellationToken) : Task.CompletedTask;

    private void Refuse(HttpContext context, RejectionReason reason, string message)
    {
        Counters.CountRejection(reason);
        EmulatorLog.Refused(Logger, "GREP11", context.Request.Method, context.Request.Path, (int)StatusCode.Unauthenticated, reason);
        throw new RpcException(new Status(StatusCode.Unauthenticated, "Unauthenticated: " + message));
    }
}

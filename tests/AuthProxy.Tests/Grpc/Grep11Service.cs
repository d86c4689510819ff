using AuthProxy.Sandbox.Grep11.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace AuthProxy.Tests.Grpc;

/// <summary><c>grep11.Crypto</c> on the <see cref="GrpcUpstream"/>, so a test can stand in for HPCS over TLS.</summary>
internal sealed class Grep11Service(GrpcUpstream upstream) : Crypto.CryptoBase
{
    public override Task<GenerateRandomResponse> GenerateRandom(GenerateRandomRequest request, ServerCallContext context)
    {
        upstream.Record(context);
        return Task.FromResult(new GenerateRandomResponse { Rnd = ByteString.CopyFrom(new byte[request.Len]) });
    }
}

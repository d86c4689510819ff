using System.Security.Cryptography;
using AuthProxy.Sandbox.Grep11.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace AuthProxy.Sandbox.Grep11;

/// <summary>The <c>grep11.Crypto</c> calls of <see cref="Grep11Emulator"/>.</summary>
internal sealed class Grep11Service(Grep11Emulator emulator) : Crypto.CryptoBase
{
    public override Task<GenerateRandomResponse> GenerateRandom(GenerateRandomRequest request, ServerCallContext context)
    {
        emulator.Authorize(context);
        return Task.FromResult(new GenerateRandomResponse { Rnd = Random(request.Len) });
    }

    public override async Task GenerateRandomStream(GenerateRandomStreamRequest request, IServerStreamWriter<GenerateRandomResponse> responseStream,
        ServerCallContext context)
    {
        emulator.Authorize(context);
        if (request.Count is 0 or > Grep11Emulator.MaxCount)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Count must be from 1 to {Grep11Emulator.MaxCount}"));
        }

        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0)
            {
                await emulator.PauseAsync(context.CancellationToken);
            }

            await responseStream.WriteAsync(new GenerateRandomResponse { Rnd = Random(request.Len) }, context.CancellationToken);
        }
    }

    private static ByteString Random(ulong length) => length is 0 or > Grep11Emulator.MaxLength
        ? throw new RpcException(new Status(StatusCode.InvalidArgument, $"Len must be from 1 to {Grep11Emulator.MaxLength}"))
        : ByteString.CopyFrom(RandomNumberGenerator.GetBytes((int)length));
}

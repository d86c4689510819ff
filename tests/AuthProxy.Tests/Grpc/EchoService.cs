using AuthProxy.Tests.Grpc.Protocol;
using Grpc.Core;

namespace AuthProxy.Tests.Grpc;

/// <summary>The <see cref="GrpcUpstream"/>'s service: each reply says what the server saw.</summary>
internal sealed class EchoService(GrpcUpstream upstream) : Echo.EchoBase
{
    public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        upstream.Record(context);
        context.ResponseTrailers.Add("x-echo-trailer", "kept");
        return Task.FromResult(Reply(request.Text, context, request.Payload.Length, 0));
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        upstream.Record(context);
        for (var i = 0; i < request.Count; i++)
        {
            await upstream.PaceAsync(i, context.CancellationToken);
            await responseStream.WriteAsync(Reply($"{request.Text} {i}", context, request.Payload.Length, i), context.CancellationToken);
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        upstream.Record(context);
        long bytes = 0;
        var texts = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            upstream.OnMessage?.Invoke(texts.Count, request);
            bytes += request.Payload.Length;
            texts.Add(request.Text);
        }

        return Reply(string.Join(",", texts), context, bytes, texts.Count);
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        upstream.Record(context);
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            upstream.OnMessage?.Invoke(index, request);
            await upstream.PaceAsync(index, context.CancellationToken);
            await responseStream.WriteAsync(Reply(request.Text, context, request.Payload.Length, index++), context.CancellationToken);
        }
    }

    private static EchoReply Reply(string text, ServerCallContext context, long bytes, int index) => new()
    {
        Text = text,
        Authorization = context.RequestHeaders.GetValue("authorization") ?? "",
        DeadlineMs = context.Deadline == DateTime.MaxValue ? -1 : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds,
        Bytes = bytes,
        Index = index,
    };
}

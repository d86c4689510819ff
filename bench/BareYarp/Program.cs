using System.Runtime;
using Yarp.ReverseProxy.Configuration;

// Usage: BareYarp --upstream http://127.0.0.1:PORT/ [--token VALUE] [--grpc-upstream http://127.0.0.1:PORT/] --urls http://127.0.0.1:PORT
// The same builder AuthProxy uses (CreateSlimBuilder), an in-memory route /kms/{**rest} with
// PathRemovePrefix and a static Authorization header; everything else is YARP's and Kestrel's defaults.
// With --grpc-upstream, also a route /grep11.Crypto/{**method} to that h2c upstream (HTTP/2 exactly), for the gRPC
// benchmark (bench/protocols), which listens through Kestrel:Endpoints with Protocols Http2.
var builder = WebApplication.CreateSlimBuilder(args);
var upstream = builder.Configuration["upstream"] ?? "http://127.0.0.1:8081/";
var token = builder.Configuration["token"] ?? "bench-token";
var grpcUpstream = builder.Configuration["grpc-upstream"];

var routes = new[]
{
    new RouteConfig
    {
        RouteId = "kms",
        ClusterId = "keyprotect",
        Match = new RouteMatch { Path = "/kms/{**rest}" },
        Transforms =
        [
            new Dictionary<string, string> { ["PathRemovePrefix"] = "/kms" },
            new Dictionary<string, string> { ["RequestHeader"] = "Authorization", ["Set"] = "Bearer " + token },
        ],
    },
};
var clusters = new[]
{
    new ClusterConfig
    {
        ClusterId = "keyprotect",
        Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new DestinationConfig { Address = upstream } },
    },
};

if (grpcUpstream is not null)
{
    routes =
    [
        .. routes,
        new RouteConfig
        {
            RouteId = "grep11",
            ClusterId = "grep11",
            Match = new RouteMatch { Path = "/grep11.Crypto/{**method}" },
            Transforms = [new Dictionary<string, string> { ["RequestHeader"] = "Authorization", ["Set"] = "Bearer " + token }],
        },
    ];
    clusters =
    [
        .. clusters,
        new ClusterConfig
        {
            ClusterId = "grep11",
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { Version = new Version(2, 0), VersionPolicy = HttpVersionPolicy.RequestVersionExact },
            Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new DestinationConfig { Address = grpcUpstream } },
        },
    ];
}

builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

var app = builder.Build();
app.MapReverseProxy();

// One line so the benchmark report can state the GC mode actually in force under its CPU pinning.
Console.WriteLine($"BareYarp: ServerGC={GCSettings.IsServerGC} ProcessorCount={Environment.ProcessorCount} Upstream={upstream}");
app.Run();

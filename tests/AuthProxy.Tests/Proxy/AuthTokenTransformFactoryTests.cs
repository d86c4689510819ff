using System.Globalization;
using AuthProxy.Proxy;
using AuthProxy.Tokens;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace AuthProxy.Tests.Proxy;

/// <summary>The <c>{ "AuthToken": … }</c> transform factory: what it claims, what it refuses and what it builds.</summary>
public sealed class AuthTokenTransformFactoryTests
{
    private readonly AuthTokenRouteTable _routes = new();
    private readonly AuthTokenTransformFactory _factory;

    public AuthTokenTransformFactoryTests() => _factory = new AuthTokenTransformFactory(new Catalog("kp", "cpd"), _routes);

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1", 1L)]
    [InlineData("65536", 65536L)]
    [InlineData("16777216", 16777216L)] // the cap, 16 MiB
    public void RetryBodyLimit_UpToSixteenMebibytes_IsAccepted_AndBuilt(string value, long expected)
    {
        var (route, values) = Route(("AuthToken", "kp"), ("RetryBodyLimit", value));

        Assert.True(_factory.Validate(ValidationContext(route, out var errors), values));
        Assert.Empty(errors);

        Assert.True(_factory.Build(BuilderContext(route, out var built), values));
        Assert.True(_routes.TryGet(route, out var info));
        Assert.Equal(expected, info.RetryBodyLimit);
        Assert.Equal("kp", info.Slot.Name);
        Assert.IsType<AuthTokenRequestTransform>(Assert.Single(built.RequestTransforms));
        Assert.IsType<UnauthorizedResponseTransform>(Assert.Single(built.ResponseTransforms));
    }

    [Theory]
    [InlineData("16777217")]            // one over the cap
    [InlineData("3000000000")]          // once a 500: a negative buffer size
    [InlineData("4294967296")]          // once a 1-byte buffer: 2^32 truncated to int
    [InlineData("4294967300")]          // once a 5-byte buffer
    [InlineData("9223372036854775807")] // long.MaxValue: limit + 1 overflowed
    [InlineData("99999999999999999999999")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData(" 65536")]
    [InlineData("64KiB")]
    [InlineData("1e6")]
    [InlineData("65536.0")]
    [InlineData("")]
    public void RetryBodyLimit_OverTheCapOrMalformed_IsAnErrorNamingThePathAndTheCap(string value)
    {
        var (route, values) = Route(("AuthToken", "kp"), ("RetryBodyLimit", value));

        _factory.Validate(ValidationContext(route, out var errors), values);

        var message = Assert.Single(errors).Message;
        Assert.StartsWith("ReverseProxy:Routes:kms:Transforms:1:RetryBodyLimit: ", message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", message, StringComparison.Ordinal);
        Assert.Contains("16777216 (16 MiB)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRetryBodyLimit_BuildsTheDefault()
    {
        var (route, values) = Route(("AuthToken", "cpd"));

        _factory.Validate(ValidationContext(route, out var errors), values);
        _factory.Build(BuilderContext(route, out _), values);

        Assert.Empty(errors);
        Assert.True(_routes.TryGet(route, out var info));
        Assert.Equal(AuthTokenRoute.DefaultRetryBodyLimit, info.RetryBodyLimit);
    }

    [Theory]
    [InlineData("RetryBodyLimits", "unknown AuthToken option 'RetryBodyLimits' (allowed: RetryBodyLimit)")]
    [InlineData("Provider", "unknown AuthToken option 'Provider' (allowed: RetryBodyLimit)")]
    public void UnknownKey_IsAnErrorNamingIt(string key, string expected)
    {
        var (route, values) = Route(("AuthToken", "kp"), (key, "1"));

        _factory.Validate(ValidationContext(route, out var errors), values);

        var message = Assert.Single(errors).Message;
        Assert.StartsWith($"ReverseProxy:Routes:kms:Transforms:1:{key}: ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope", "names unknown token provider 'nope' (configured: cpd, kp)")]
    [InlineData("", "names no token provider")]
    [InlineData(" ", "names no token provider")]
    public void UnknownOrMissingProvider_IsAnError(string provider, string expected)
    {
        var (route, values) = Route(("AuthToken", provider));

        Assert.True(_factory.Validate(ValidationContext(route, out var errors), values));

        var message = Assert.Single(errors).Message;
        Assert.StartsWith("ReverseProxy:Routes:kms:Transforms:1:AuthToken: ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherTransforms_AreNotClaimed()
    {
        var (route, values) = Route(("RequestHeader", "bluemix-instance"), ("Set", "guid"));

        Assert.False(_factory.Validate(ValidationContext(route, out var errors), values));
        Assert.False(_factory.Build(BuilderContext(route, out _), values));
        Assert.Empty(errors);
        Assert.False(_routes.TryGet(route, out _));
    }

    [Fact]
    public void TryParseLimit_AcceptsExactlyTheDocumentedRange()
    {
        Assert.True(AuthTokenTransformFactory.TryParseLimit(AuthTokenRoute.MaxRetryBodyLimit.ToString(CultureInfo.InvariantCulture), out _));
        Assert.False(AuthTokenTransformFactory.TryParseLimit((AuthTokenRoute.MaxRetryBodyLimit + 1).ToString(CultureInfo.InvariantCulture), out _));
        Assert.False(AuthTokenTransformFactory.TryParseLimit(null, out _));
    }

    /// <summary>A route <c>kms</c> whose second transform (index 1) has <paramref name="pairs"/>.</summary>
    private static (RouteConfig Route, IReadOnlyDictionary<string, string> Values) Route(params (string Key, string Value)[] pairs)
    {
        var values = pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        var route = new RouteConfig
        {
            RouteId = "kms",
            ClusterId = "keyprotect",
            Match = new RouteMatch { Path = "/kms/{**rest}" },
            Transforms = [new Dictionary<string, string> { ["PathRemovePrefix"] = "/kms" }, values],
        };
        return (route, values);
    }

    private static TransformRouteValidationContext ValidationContext(RouteConfig route, out IList<Exception> errors)
    {
        var context = new TransformRouteValidationContext { Route = route, Services = EmptyServices.Instance };
        errors = context.Errors;
        return context;
    }

    private static TransformBuilderContext BuilderContext(RouteConfig route, out TransformBuilderContext context) =>
        context = new TransformBuilderContext { Route = route, Services = EmptyServices.Instance };

    private sealed class Catalog(params string[] names) : ITokenProviderCatalog
    {
        public IEnumerable<string> Names => names;

        public bool Contains(string name) => names.Contains(name, StringComparer.OrdinalIgnoreCase);

        public TokenProviderSlot GetSlot(string name) => new(name);
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

using AuthProxy.Sandbox.Redis;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>
/// A test that needs a real <c>redis-server</c> (it starts its own, <see cref="RedisServer"/>). Skipped, saying how to
/// install it, where Redis is missing — except under <c>AUTHPROXY_REQUIRE_REDIS=1</c> (set by .ci/run), where it runs and
/// fails, so CI never passes by skipping.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (!RedisServer.IsInstalled && Environment.GetEnvironmentVariable("AUTHPROXY_REQUIRE_REDIS") != "1")
        {
            Skip = "needs redis-server (apt-get install redis-server; .ci/run installs it)";
        }
    }
}

/// <summary>The <see cref="TheoryAttribute"/> counterpart of <see cref="RedisFactAttribute"/>.</summary>
public sealed class RedisTheoryAttribute : TheoryAttribute
{
    public RedisTheoryAttribute()
    {
        if (!RedisServer.IsInstalled && Environment.GetEnvironmentVariable("AUTHPROXY_REQUIRE_REDIS") != "1")
        {
            Skip = "needs redis-server (apt-get install redis-server; .ci/run installs it)";
        }
    }
}

using System.Text.Json;

namespace AuthProxy.Tests.Infrastructure;

/// <summary>Replies and handlers that answer like IBM Cloud IAM's token endpoint.</summary>
public static class FakeIam
{
    /// <summary>Answers every token request with a fresh opaque token <c>tok-N</c> valid for <paramref name="expiresIn"/> seconds.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Tokens(int expiresIn = 3600, TimeProvider? time = null)
    {
        var counter = 0;
        return (context, _) =>
        {
            var n = Interlocked.Increment(ref counter);
            return Json(context, 200, TokenReply($"tok-{n}", expiresIn, time));
        };
    }

    /// <summary>Answers with IAM's error shape.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Error(int status, string code, string message) =>
        (context, _) => Json(context, status, ErrorReply(code, message));

    /// <summary>IAM's success reply: <paramref name="token"/> valid for <paramref name="expiresIn"/> seconds from now.</summary>
    public static object TokenReply(string token, int expiresIn = 3600, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        return new { access_token = token, refresh_token = "not_supported", token_type = "Bearer", expires_in = expiresIn, expiration = now + expiresIn, scope = "ibm openid" };
    }

    /// <summary>IAM's error reply.</summary>
    public static object ErrorReply(string code, string message) => new { errorCode = code, errorMessage = message, context = new { requestId = "r-1" } };

    public static Task Json(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}

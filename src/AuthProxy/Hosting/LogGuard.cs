using AuthProxy.Telemetry;

namespace AuthProxy.Hosting;

/// <summary>
/// Wraps the app's log providers. Every formatted message — the framework's too, which may quote a request path —
/// has its control characters escaped (<see cref="LogValue"/>), so no client can forge a log line; exception stack
/// traces are passed on unchanged. And the host's own report of a listener that cannot be bound ("Hosting failed to
/// start" with a stack trace) is left out: AuthProxy reports that failure itself, in one line (<see cref="ListenerFailure"/>).
/// </summary>
internal sealed class LogGuard(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>Replaces every registered <see cref="ILoggerProvider"/> with a guarded one.</summary>
    public static void Install(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(ILoggerProvider) || descriptor.IsKeyedService)
            {
                continue;
            }

            services[i] = ServiceDescriptor.Describe(typeof(ILoggerProvider), sp => new LogGuard(Create(sp, descriptor)), descriptor.Lifetime);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Guarded(inner.CreateLogger(categoryName), categoryName == HostCategory);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        if (inner is ISupportExternalScope scoped)
        {
            scoped.SetScopeProvider(scopeProvider);
        }
    }

    public void Dispose() => inner.Dispose();

    private static ILoggerProvider Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        (ILoggerProvider)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    private sealed class Guarded(ILogger inner, bool isHost) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (isHost && exception is not null && ListenerFailure.IsBindFailure(exception))
            {
                return;
            }

            inner.Log(logLevel, eventId, state, exception, (s, e) => LogValue.Escape(formatter(s, e), int.MaxValue));
        }
    }
}

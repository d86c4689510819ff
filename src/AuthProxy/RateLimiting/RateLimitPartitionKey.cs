namespace AuthProxy.RateLimiting;

/// <summary>
/// Names one limiter: the policy as compiled (a changed policy is a new object, so a live edit starts fresh limiters and
/// leaves the old ones to idle out) and the partition within it — a client name, a caller address, a route id, or nothing.
/// </summary>
/// <param name="Policy">The policy version the limiter enforces.</param>
/// <param name="Partition">Client name (string), caller address (<see cref="System.Net.IPAddress"/>), route id (string), or "".</param>
/// <param name="ByAddress">True when <paramref name="Partition"/> is a caller address, so a client named like an address never shares its limiter.</param>
internal readonly record struct RateLimitPartitionKey(CompiledRateLimitPolicy? Policy, object Partition, bool ByAddress);

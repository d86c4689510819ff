using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace AuthProxy.Tokens.Fleet;

/// <summary>
/// Who a provider is, for the shared cache (README "Running a fleet"): replicas share a token only when they share the provider's
/// name, type, endpoints and credential. The identity is the name, the type and every option of the type (its
/// <see cref="TokenProviderType.Options"/>), each secret option by its <em>content</em> — read now, inline or from its file,
/// so two fleets whose key files sit at the same path but hold different keys never share, and a rotated key file starts
/// a new entry — and the tuning options common to every type (<c>RefreshAfter</c>, <c>Timeout</c>, …) left out, since they
/// do not change whose token it is. Only its keyed hash (<see cref="SharedTokenCodec.Id"/>) ever leaves this method.
/// </summary>
internal static class ProviderIdentity
{
    private static readonly Dictionary<string, PropertyInfo> Properties = typeof(TokenProviderOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The keyed id of the provider's current identity. False when the provider fetches nothing (a static credential has
    /// nothing to share) or a secret cannot be read (the fetch will report why).
    /// </summary>
    public static bool TryComputeId(string name, TokenProviderOptions options, SharedTokenCodec codec, out string id)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(codec);
        id = "";
        if (TokenProviderTypes.Find(options.Type) is not { CallsAnEndpoint: true } type)
        {
            return false;
        }

        var secretFiles = type.SecretOptions.Select(TokenProviderType.FileOption).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var text = new StringBuilder();
        Append(text, "name", name);
        Append(text, "type", type.Name);
        foreach (var option in type.Options.Order(StringComparer.OrdinalIgnoreCase))
        {
            if (secretFiles.Contains(option))
            {
                continue; // its content is the secret option's value below; where it sits does not matter
            }

            if (type.SecretOptions.Contains(option, StringComparer.OrdinalIgnoreCase))
            {
                var secret = new Secret(option, Value(options, option), Value(options, TokenProviderType.FileOption(option)));
                if (!secret.IsConfigured)
                {
                    Append(text, option, null);
                    continue;
                }

                if (!secret.TryRead(out var value, out _))
                {
                    return false;
                }

                Append(text, option, value);
                continue;
            }

            Append(text, option, Value(options, option));
        }

        id = codec.Id(text.ToString());
        text.Clear();
        return true;
    }

    private static string? Value(TokenProviderOptions options, string option) =>
        Properties.TryGetValue(option, out var property) ? Canonical(property.GetValue(options)) : null;

    private static string? Canonical(object? value) => value switch
    {
        null => null,
        string s => s,
        IDictionary map => string.Join("\n", map.Keys.Cast<object>()
            .Select(k => Convert.ToString(k, CultureInfo.InvariantCulture) + "=" + Canonical(map[k]))
            .Order(StringComparer.Ordinal)),
        IEnumerable list => string.Join("\n", list.Cast<object?>().Select(Canonical)),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Length-prefixed, so no value can run into the next option.</summary>
    private static void Append(StringBuilder text, string key, string? value)
    {
        text.Append(key.ToUpperInvariant()).Append(':');
        if (value is null)
        {
            text.Append("-\n");
        }
        else
        {
            text.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\n');
        }
    }
}

using System.Text.RegularExpressions;

namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>The key of a <see cref="IVoiceProfileGrain"/>: <c>{tenant}/{voiceName}</c>.</summary>
public static partial class VoiceKey
{
    /// <summary>Voice names: a letter or digit first, then letters, digits, '-', '_' or '.'; at most 64.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static bool IsValidTenant(string? tenant) => tenant is not null && TenantPattern().IsMatch(tenant);

    public static string Of(string tenant, string name)
    {
        if (!IsValidTenant(tenant))
        {
            throw new ArgumentException($"'{tenant}' is not a valid tenant id.", nameof(tenant));
        }

        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid voice name.", nameof(name));
        }

        return $"{tenant}/{name}";
    }

    public static (string Tenant, string Name) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? throw new ArgumentException($"'{key}' is not a voice key.", nameof(key)) : (key[..slash], key[(slash + 1)..]);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex TenantPattern();
}

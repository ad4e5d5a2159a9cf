using System.Security.Cryptography;
using System.Text;

namespace QwenTts.Storage.Tenants;

/// <summary>API keys: "qtts_" and 43 random base-62 characters (256 bits); stored as their SHA-256.</summary>
public static class ApiKeyFormat
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    public const string Scheme = "qtts_";
    public const int PrefixLength = 12;

    public static string NewKey()
    {
        var builder = new StringBuilder(Scheme, Scheme.Length + 43);
        for (var i = 0; i < 43; i++)
        {
            builder.Append(Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]);
        }

        return builder.ToString();
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));

    public static string Prefix(string key) => key.Length <= PrefixLength ? key : key[..PrefixLength];

    /// <summary>Cheap shape check before any database work.</summary>
    public static bool LooksValid(string? key) =>
        key is { Length: 48 } && key.StartsWith(Scheme, StringComparison.Ordinal) && key.AsSpan(Scheme.Length).IndexOfAnyExcept(Alphabet) < 0;
}

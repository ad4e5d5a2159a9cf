using System.Text.RegularExpressions;

namespace QwenTts.Storage.Audio;

public static partial class AudioStoreKeys
{
    public static string Validate(string key) => KeyPattern().IsMatch(key) && !key.Contains("..", StringComparison.Ordinal)
        ? key
        : throw new ArgumentException($"'{key}' is not a valid audio store key.", nameof(key));

    [GeneratedRegex("^[a-z0-9_-][a-z0-9_./-]{0,255}$")]
    private static partial Regex KeyPattern();
}

namespace QwenTts.Benchmarks;

/// <summary>The "--name value" options of the benchmark commands.</summary>
internal static class CommandLineOptions
{
    /// <summary>The value after <paramref name="name"/>, or null when the option is absent or has no value.</summary>
    public static string? OptionalOption(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public static string Option(string[] args, string name, string fallback) => OptionalOption(args, name) ?? fallback;
}

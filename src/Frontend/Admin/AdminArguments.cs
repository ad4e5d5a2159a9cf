using System.Globalization;

namespace QwenTts.Frontend.Admin;

/// <summary>A mistake in an admin command line; the message says what is wrong and how to ask for help.</summary>
public sealed class AdminUsageException(string message) : Exception(message);

/// <summary>One admin command's arguments: positional values and <c>--name value</c> options, checked against what it accepts.</summary>
public sealed class AdminArguments
{
    private readonly string _command;
    private readonly Dictionary<string, string> _options;

    private AdminArguments(string command, IReadOnlyList<string> positional, Dictionary<string, string> options)
    {
        _command = command;
        Positional = positional;
        _options = options;
    }

    public IReadOnlyList<string> Positional { get; }

    public bool WantsHelp => _options.ContainsKey("help");

    /// <summary>Configuration keys given as <c>--Section:Key=value</c> (kept for compatibility; prefer environment variables).</summary>
    public IEnumerable<string> ConfigurationArguments =>
        _options.Where(o => o.Key.Contains(':', StringComparison.Ordinal)).Select(o => $"--{o.Key}={o.Value}");

    public static AdminArguments Parse(string command, IReadOnlyList<string> args, IReadOnlyCollection<string> allowedOptions)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-h" or "--help")
            {
                options["help"] = "";
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(args[i]);
                continue;
            }

            var option = args[i][2..];
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? option[..equals] : option;
            if (!name.Contains(':', StringComparison.Ordinal) && !allowedOptions.Contains(name))
            {
                throw new AdminUsageException($"{command} has no option --{name}; see 'admin {command} --help'.");
            }

            if (equals > 0)
            {
                options[name] = option[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                options[name] = args[++i];
            }
            else
            {
                throw new AdminUsageException($"--{name} needs a value; see 'admin {command} --help'.");
            }
        }

        return new AdminArguments(command, positional, options);
    }

    /// <summary>The single positional value the command takes, e.g. the "tenant ID".</summary>
    public string Single(string what)
    {
        return Positional.Count switch
        {
            1 => Positional[0],
            0 => throw new AdminUsageException($"{_command} needs a {what}; see 'admin {_command} --help'."),
            _ => throw new AdminUsageException($"{_command} takes one {what}, not {Positional.Count} ({string.Join(' ', Positional)}); see 'admin {_command} --help'."),
        };
    }

    public void ExpectNoPositional()
    {
        if (Positional.Count > 0)
        {
            throw new AdminUsageException($"{_command} takes no arguments, got '{string.Join(' ', Positional)}'; see 'admin {_command} --help'.");
        }
    }

    public string Text(string name, string fallback) => _options.GetValueOrDefault(name, fallback);

    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>An on/off option (on, off, true, false, yes, no).</summary>
    public bool Switch(string name, bool fallback)
    {
        if (!_options.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return text.ToLowerInvariant() switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new AdminUsageException($"--{name} must be on or off, not '{text}'."),
        };
    }

    public long Number(string name, long fallback, long min, long max)
    {
        if (!_options.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new AdminUsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'.");
    }
}

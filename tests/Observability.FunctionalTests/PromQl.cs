using System.Text.RegularExpressions;

namespace QwenTts.Observability.FunctionalTests;

/// <summary>The metric names a PromQL expression reads (enough PromQL for our dashboard and rules; not a parser).</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = ["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless"];

    public static IReadOnlySet<string> MetricNames(string expression)
    {
        // Label matchers, ranges and subqueries, and grouping labels name no metric.
        var text = Matchers().Replace(expression, " ");
        text = Ranges().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match token in Identifier().Matches(text))
        {
            var rest = text.AsSpan(token.Index + token.Length).TrimStart();
            if (Keywords.Contains(token.Value) || (rest.Length > 0 && rest[0] == '('))
            {
                continue; // a keyword, or a function or aggregation
            }

            names.Add(token.Value);
        }

        return names;
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    // Not after a digit, letter or dot: the "m" of "5m" and the "e" of "1e-9" are no names.
    [GeneratedRegex(@"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}

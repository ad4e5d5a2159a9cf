using System.Text.Json;
using System.Text.RegularExpressions;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// Says in the API's own terms why a JSON body did not bind: which field has the wrong type and what it should be,
/// instead of the serializer's .NET type names.
/// </summary>
public static partial class JsonProblemDetail
{
    private const string Prefix = "The request body is not valid JSON for this endpoint";

    public static string Describe(JsonException exception)
    {
        var converted = ConvertedTo().Match(exception.Message);
        if (!converted.Success || exception.Path is not { Length: > 2 } path || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return $"{Prefix}: {Location(exception)}{FirstSentence(exception.Message)}";
        }

        return Expected(converted.Groups[1].Value.TrimEnd('.')) is { } expected
            ? $"{Prefix}: field '{path[2..]}' must be {expected}."
            : $"{Prefix}: field '{path[2..]}' has a value of the wrong type or shape.";
    }

    private static string? Expected(string type) => type switch
    {
        "System.String" => "a string",
        "System.Boolean" or "System.Nullable`1[System.Boolean]" => "true or false",
        _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) => "a number",
        _ when type.Contains("Int", StringComparison.Ordinal) => "a whole number",
        _ => null,
    };

    private static string Location(JsonException exception) =>
        exception.LineNumber is { } line && exception.BytePositionInLine is { } position ? $"at line {line + 1}, byte {position + 1}: " : "";

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }

    [GeneratedRegex(@"could not be converted to ([\w.`\[\]]+)")]
    private static partial Regex ConvertedTo();
}

namespace QwenTts.Observability.FunctionalTests.Otlp;

/// <summary>One span as a collector received it, with the process (resource) that sent it.</summary>
public sealed record ReceivedSpan(
    string Service,
    string Instance,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    ulong StartNanos,
    ulong EndNanos,
    IReadOnlyDictionary<string, object> Attributes,
    int StatusCode,
    string StatusMessage,
    IReadOnlyList<(string TraceId, string SpanId)> Links,
    IReadOnlyList<string> Events)
{
    /// <summary>OTLP's STATUS_CODE_ERROR.</summary>
    public bool IsError => StatusCode == 2;

    public string? Text(string key) => Attributes.TryGetValue(key, out var value) ? value as string : null;

    public override string ToString() => $"{Service}/{Instance} {Name} {SpanId} <- {(ParentSpanId.Length == 0 ? "(root)" : ParentSpanId)}";
}

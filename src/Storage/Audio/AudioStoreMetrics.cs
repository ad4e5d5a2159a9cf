using System.Diagnostics.Metrics;

namespace QwenTts.Storage.Audio;

/// <summary>Failed audio store operations, by store kind and operation, on <c>/metrics</c>.</summary>
public sealed class AudioStoreMetrics
{
    public const string MeterName = "QwenTts.Storage";

    private readonly Counter<long> _errors;

    public AudioStoreMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _errors = meter.CreateCounter<long>("qwentts.audio_store.errors", description: "Audio store operations that failed (store unreachable or refusing), by store and operation");
    }

    public void Failed(string store, string operation) =>
        _errors.Add(1, new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("operation", operation));
}

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Static shapes for graph-compiling providers (CANN with its graph mode, MIGraphX), which compile a graph for every
/// new input shape: the talker's KV cache is padded to a few capacities with the padding masked out, the prompt is
/// prefilled at a few fixed lengths, lookups and chunk decodes are padded to fixed sizes. The codes equal the dynamic
/// mode's for the same seed; model-check proves it on each card. Every shape is run once when a card starts.
/// </summary>
public sealed record StaticShapeOptions
{
    /// <summary>Null: on for CANN and MIGraphX, off for CPU, CUDA and ROCm.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Prompt lengths the prefill runs at (the prompt less its last row, padded up).</summary>
    public IReadOnlyList<int> PrefillLengths { get; init; } = [32, 64, 128, 256, 512, 1024];

    /// <summary>KV cache capacities (prompt + frames), each a compiled talker shape.</summary>
    public IReadOnlyList<int> CacheCapacities { get; init; } = [256, 512, 1024, 2048, 4096, 9216];

    /// <summary>
    /// The ready set a card compiles before it takes work: the talker's prefill up to this prompt length (a description
    /// and a sentence fit 128 rows) and its one-row step, at every capacity (an utterance's capacity follows its frame
    /// limit, 8192 frames unless capped); longer prompts' shapes compile in the background, or on first use.
    /// </summary>
    public int ReadyPrefillLength { get; init; } = 128;

    public bool IsEnabledFor(ExecutionProviderKind kind) => Enabled ?? kind is ExecutionProviderKind.Cann or ExecutionProviderKind.MIGraphX;

    public int PrefillLength(int rows) => Smallest(PrefillLengths, rows, "prefill length", "a prompt");

    public int CacheCapacity(int rows) => Smallest(CacheCapacities, rows, "cache capacity", "an utterance");

    /// <summary>The smallest size at least <paramref name="needed"/>, else a clear error naming the setting.</summary>
    public static int Smallest(IReadOnlyList<int> sizes, int needed, string what, string subject)
    {
        foreach (var size in sizes.Order())
        {
            if (size >= needed)
            {
                return size;
            }
        }

        throw new InvalidOperationException(
            $"Static shapes: {subject} needs {what} {needed}, over the largest configured ({sizes.Max()}). Add a larger one to the settings.");
    }
}

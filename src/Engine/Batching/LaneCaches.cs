using QwenTts.Engine.Acceleration;

namespace QwenTts.Engine.Batching;

/// <summary>
/// A lane's caches, made and grown where the lane keeps them (<see cref="BatchingOptions.CachesOnCard"/>): the card's own
/// memory, or host arrays. The lanes and the load-time check of the batched steps both make theirs here, so the check
/// runs the mechanics the lanes serve with.
/// </summary>
public static class LaneCaches
{
    /// <summary>Zeroed talker caches for <paramref name="rows"/> rows of <paramref name="slots"/> slots.</summary>
    public static ISlotCaches Talker(BatchedDecodeSteps steps, BatchingOptions options, int rows, int slots)
    {
        var t = steps.Manifest.Talker;
        return Zeros(steps, options, t.Layers, rows, t.KvHeads, slots, t.HeadDim);
    }

    /// <summary>The predictor's caches for <paramref name="rows"/> rows (16 slots each, written afresh every frame).</summary>
    public static ISlotCaches Predictor(BatchedDecodeSteps steps, BatchingOptions options, int rows)
    {
        var p = steps.Manifest.CodePredictor!;
        return Zeros(steps, options, p.Layers, rows, p.KvHeads, SlotDecoderGraph.PredictorSlots, p.HeadDim);
    }

    /// <summary><paramref name="caches"/> with every row's slots kept, up to <paramref name="slots"/>: a new cache, where the old one was.</summary>
    public static ISlotCaches Grown(BatchedDecodeSteps steps, ISlotCaches caches, int slots) => caches switch
    {
        CardSlotCaches onCard => onCard.Grow(steps.CacheOps, slots),
        SlotStepRunner.Caches host => host.Grown(slots),
        _ => throw new ArgumentException("Unknown slot caches.", nameof(caches)),
    };

    private static ISlotCaches Zeros(BatchedDecodeSteps steps, BatchingOptions options, int layers, int rows, int kvHeads, int slots, int headDim) =>
        options.CachesOnCard == true
            ? CardSlotCaches.Zeros(steps.CacheOps, layers, rows, kvHeads, slots, headDim)
            : SlotStepRunner.Caches.Zeros(layers, rows, kvHeads, slots, headDim);
}

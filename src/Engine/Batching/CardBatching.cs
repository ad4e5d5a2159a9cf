using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Batching;

/// <summary>
/// Starts a card's decode lanes when its engine can batch: the CPU's engine talker and fused cached predictor in use (at
/// dynamic shapes), the batched steps built from the checkpoint, and every row of a batch of the lane's size proven
/// bit-equal to the same utterance alone. Otherwise the card runs each utterance on its own and the status says why.
/// </summary>
public static class CardBatching
{
    public static (DecodeLanes? Lanes, string Status) TryStart(SpeechSynthesizer card, BatchingOptions options)
    {
        options.Validate();
        if (options.Rows == 1 && options.Lanes == 1)
        {
            return (null, "unbatched (one row asked for)");
        }

        if (card.StaticShapes is not null)
        {
            return (null, "unbatched: static-shape batching is not built yet (fixed row counts per lane)");
        }

        var talker = card.UseEngineTalker ? card.Acceleration.EngineTalker(card.Sessions) : null;
        if (talker is null)
        {
            return (null, "unbatched: the batched steps take the CPU's engine talker, which is " + card.Acceleration.TalkerStatus);
        }

        if (!card.UseCachedPredictor || card.Acceleration.Predictor is not { TakesTwoRows: true } predictor)
        {
            return (null, "unbatched: the batched steps take the CPU's fused cached predictor, which is " + card.Acceleration.PredictorStatus);
        }

        BatchedDecodeSteps? steps = null;
        BatchInvariance.Result invariance;
        try
        {
            steps = BatchedDecodeSteps.Build(card.Sessions);
            invariance = BatchInvariance.Check(steps, Math.Max(2, options.Rows), talker, predictor);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The card still serves, each utterance on its own: a batching problem is reported, never a card that does not load.
            steps?.Dispose();
            return (null, "unbatched: the batched steps could not be built or checked: " + ex.Message.Split('\n')[0]);
        }

        if (!invariance.Holds || invariance.TalkerMinRows > 1 || invariance.PredictorMinRows > 1)
        {
            steps.Dispose();
            return (null, "unbatched: a row of a batch is not bit-equal to the same utterance alone at every batch size (" +
                          invariance.Line(Math.Max(2, options.Rows)) + ")");
        }

        var lanes = new DecodeLanes(steps, talker, invariance.TalkerEqualsUnbatched, options);
        return (lanes, $"batched: {options.Lanes} lane(s) of {options.Rows} row(s); {invariance.Line(Math.Max(2, options.Rows))}");
    }
}

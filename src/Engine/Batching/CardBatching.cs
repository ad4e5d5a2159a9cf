using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Batching;

/// <summary>
/// Starts a card's decode lanes when its engine can batch: the batched steps built from the checkpoint, in the CPU's
/// fused form where the card runs the fused engine talker and cached predictor, else in standard operators (fp16 where
/// the export is); and every row of a batch of the lane's size proven bit-equal to the same utterance alone. Otherwise the card runs each utterance on its
/// own and the status says why.
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

        if (!card.UseEngineTalker || !card.UseCachedPredictor)
        {
            return (null, "unbatched: the lanes run the talker and predictor built from the checkpoint, which this card was told not to use");
        }

        var acceleration = card.Acceleration;
        var fusedTalker = acceleration.EngineTalker(card.Sessions);
        var fusedPredictor = acceleration.Predictor is { TakesTwoRows: true } fusedStep ? fusedStep : null;
        var fused = fusedTalker is not null && fusedPredictor is not null;

        // The fused lanes prefill through the card's unbatched engine talker, so a prompt's keys and values are those it
        // would have alone; the standard batched talker takes a whole prompt itself (no second copy of the weights).
        var prefill = fused ? fusedTalker : null;

        BatchedDecodeSteps? steps = null;
        BatchInvariance.Result invariance;
        try
        {
            steps = BatchedDecodeSteps.Build(card.Sessions, fused);
            invariance = BatchInvariance.Check(steps, Math.Max(2, options.Rows), prefill, fused ? fusedPredictor : null);
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
            return (null, $"unbatched: a row of a batch is not bit-equal to the same utterance alone at every batch size ({steps.Form}; " +
                          invariance.Line(Math.Max(2, options.Rows)) + ")");
        }

        var lanes = new DecodeLanes(steps, prefill, invariance.TalkerEqualsUnbatched, options);
        return (lanes, $"batched: {options.Lanes} lane(s) of {options.Rows} row(s), {steps.Form}; {invariance.Line(Math.Max(2, options.Rows))}");
    }
}

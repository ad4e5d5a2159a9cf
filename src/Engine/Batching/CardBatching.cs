using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Batching;

/// <summary>
/// Starts a card's decode lanes when its engine can batch: the batched steps built from the checkpoint, in the CPU's
/// fused form where the card runs the fused engine talker and cached predictor, else in standard operators (fp16 where
/// the export is; fixed rows at static shapes); checked against the card's unbatched steps, themselves checked against
/// the export's graphs (<see cref="BatchedStepsCheck"/>); and every row of a batch of the lane's size proven bit-equal to
/// the same utterance alone, at fixed rows where the provider gives that only at one batch size. Otherwise the card
/// runs each utterance on its own and the status says why.
/// </summary>
public static class CardBatching
{
    /// <summary>Only while nothing runs on the card (at load): a static-shape card lets its unbatched talker step go.</summary>
    public static (DecodeLanes? Lanes, string Status) TryStart(SpeechSynthesizer card, BatchingOptions options)
    {
        options.Validate();
        if (options.Rows == 1 && options.Lanes == 1)
        {
            return (null, "unbatched (one row asked for)");
        }

        if (!card.UseEngineTalker || !card.UseCachedPredictor)
        {
            return (null, "unbatched: the lanes run the talker and predictor built from the checkpoint, which this card was told not to use");
        }

        var acceleration = card.Acceleration;
        var fusedTalker = acceleration.EngineTalker(card.Sessions);
        var fusedPredictor = acceleration.Predictor is { TakesTwoRows: true } fusedStep ? fusedStep : null;
        // Static shapes take the standard form at fixed rows: every run carries all of a lane's rows (see BatchingOptions.Shapes).
        var shapes = card.StaticShapes;
        var fused = shapes is null && fusedTalker is not null && fusedPredictor is not null;
        options = options with
        {
            Shapes = shapes,
            CachesOnCard = options.CachesOnCard ?? card.Sessions.Provider.Kind != Runtime.ExecutionProviderKind.Cpu,
        };

        // The fused lanes prefill through the card's unbatched engine talker, so a prompt's keys and values are those it
        // would have alone; the standard batched talker takes a whole prompt itself (no second copy of the weights).
        var prefill = fused ? fusedTalker : null;
        BatchedDecodeSteps? steps = null;
        try
        {
            steps = BatchedDecodeSteps.Build(card.Sessions, fused);
            var (invariance, rows) = Invariance(steps, options, prefill, fused ? fusedPredictor : null);
            var varying = !Allowed(invariance, options.FixedRows) && !fused && !options.FixedRows ? invariance.Line(rows) : null;
            if (varying is not null)
            {
                // A provider may give a row the same result only at one batch size: pin it, every run carrying all rows.
                options = options with { FixedRows = true };
                (invariance, rows) = Invariance(steps, options, prefill, null);
            }

            var invariant = invariance.Line(rows) + (varying is null ? "" : $" (at varying sizes: {varying})");
            if (!Allowed(invariance, options.FixedRows))
            {
                return Refuse($"a row of a batch is not bit-equal to the same utterance alone at every batch size ({steps.Form}; {invariant})");
            }

            // Checked at the batch size the lanes will run, with their kind of caches.
            var check = BatchedStepsCheck.Run(card, steps, prefill, options);
            if (!check.Agrees)
            {
                return Refuse($"the batched steps ({steps.Form}) disagree with the card's checked unbatched steps ({check.Line})");
            }

            var lanes = new DecodeLanes(steps, prefill, invariance.TalkerEqualsUnbatched, options);
            if (shapes is not null)
            {
                card.Acceleration.ReleaseTalkerStep("the card's decode lanes run every utterance (static shapes, fixed rows)");
            }

            var described = steps.Form + (!options.FixedRows ? "" : shapes is not null ? ", fixed rows (static shapes)"
                : varying is not null ? ", fixed rows (on this provider a row equals itself alone only at the lane's size)" : ", fixed rows");
            return (lanes, $"batched: {options.Lanes} lane(s) of {options.Rows} row(s), {described}; {invariant}; {check.Line}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The card still serves, each utterance on its own: a batching problem is reported, never a card that does not load.
            return Refuse("the batched steps could not be built or checked: " + ex.Message.Split('\n')[0]);
        }

        (DecodeLanes? Lanes, string Status) Refuse(string why)
        {
            steps?.Dispose();
            return (null, "unbatched: " + why);
        }
    }

    /// <summary>Every row of a batch of the lane's size against itself alone: beside nobody, or at fixed rows among idle ones.</summary>
    private static (BatchInvariance.Result Result, int Rows) Invariance(BatchedDecodeSteps steps, BatchingOptions options, InferenceSession? prefill,
        CachedPredictorStep? predictor)
    {
        var rows = options.FixedRows ? options.Rows : Math.Max(2, options.Rows);
        var slots = options.Shapes?.CacheCapacity(BatchInvariance.ProbeSlots(rows));
        return (BatchInvariance.Check(steps, rows, prefill, predictor, fixedRows: options.FixedRows, talkerSlots: slots), rows);
    }

    /// <summary>Lanes whose runs vary in size need every row equal alone at one row; fixed rows, among idle rows at the lane's size.</summary>
    private static bool Allowed(BatchInvariance.Result invariance, bool fixedRows) =>
        invariance.Holds && (fixedRows || (invariance.TalkerMinRows == 1 && invariance.PredictorMinRows == 1));
}

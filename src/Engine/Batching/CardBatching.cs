using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Batching;

/// <summary>
/// Starts a card's decode lanes when its engine can batch: the batched steps built from the checkpoint, in the CPU's
/// fused form where the card runs the fused engine talker and cached predictor, else in standard operators (fp16 where
/// the export is, and at fixed row counts on a static-shape card), checked against the card's unbatched steps, which
/// were checked against the export's graphs (<see cref="BatchedStepsCheck"/>); and every row of a batch of the lane's size proven bit-equal
/// to the same utterance alone. Otherwise the card runs each utterance on its
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
        var checkedRows = shapes is null ? Math.Max(2, options.Rows) : options.Rows;

        // The fused lanes prefill through the card's unbatched engine talker, so a prompt's keys and values are those it
        // would have alone; the standard batched talker takes a whole prompt itself (no second copy of the weights).
        var prefill = fused ? fusedTalker : null;

        BatchedDecodeSteps? steps = null;
        BatchInvariance.Result invariance;
        BatchedStepsCheck.Result export;
        try
        {
            steps = BatchedDecodeSteps.Build(card.Sessions, fused);
            export = BatchedStepsCheck.Run(card, steps, prefill);
            invariance = BatchInvariance.Check(steps, checkedRows, prefill, fused ? fusedPredictor : null, fixedRows: shapes is not null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The card still serves, each utterance on its own: a batching problem is reported, never a card that does not load.
            steps?.Dispose();
            return (null, "unbatched: the batched steps could not be built or checked: " + ex.Message.Split('\n')[0]);
        }

        if (!export.Agrees)
        {
            var form = steps.Form;
            steps.Dispose();
            return (null, $"unbatched: the batched steps ({form}) disagree with the card's checked unbatched steps ({export.Line})");
        }

        if (!invariance.Holds || invariance.TalkerMinRows > 1 || invariance.PredictorMinRows > 1)
        {
            var form = steps.Form;
            steps.Dispose();
            return (null, $"unbatched: a row of a batch is not bit-equal to the same utterance alone at every batch size ({form}; " +
                          invariance.Line(checkedRows) + ")");
        }

        var lanes = new DecodeLanes(steps, prefill, invariance.TalkerEqualsUnbatched, options);
        var described = shapes is null ? steps.Form : steps.Form + ", fixed rows (static shapes)";
        return (lanes, $"batched: {options.Lanes} lane(s) of {options.Rows} row(s), {described}; {invariance.Line(checkedRows)}; {export.Line}");
    }
}

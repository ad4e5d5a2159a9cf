using QwenTts.Engine.Batching;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// Whether batching changes anyone's audio on this card: <c>batch</c> utterances started a little apart on its decode
/// lanes (so they join mid-frame), each against the same utterance alone on the card.
/// </summary>
public static class BatchedCodesCheck
{
    /// <summary>The line model-check and the batched benchmark print: identical, or where the first difference is.</summary>
    public static string Run(SpeechSynthesizer card, int batch, Func<int, SynthesisRequest>? request = null, int frames = 48)
    {
        if (card.Batching is null)
        {
            return "batched-vs-single codes: not checked (" + card.BatchingStatus + ")";
        }

        request ??= i => new SynthesisRequest
        {
            Text = i % 2 == 0 ? "A probe sentence for the batched decode check." : "Another probe, a little longer, beside the first one.",
            Language = "english",
            Voice = new VoicePrompt.Designed("A calm, clear voice"),
            Seed = 4242UL + (ulong)i,
            Sampling = new SamplingOptions { MinNewTokens = frames, MaxNewTokens = frames },
        };
        var alone = Enumerable.Range(0, batch).Select(i => card.GenerateCodes(request(i))).ToArray();
        var together = OnOwnThreads.RunAsync(batch, i =>
        {
            Thread.Sleep(i * 20);
            return card.GenerateCodes(request(i));
        }).GetAwaiter().GetResult();
        for (var row = 0; row < batch; row++)
        {
            if (ModelSelfTest.FirstDifference(alone[row], together[row]) is var frame and >= 0)
            {
                return $"batched-vs-single codes: differ at frame {frame} (row {row}, batch {batch})";
            }
        }

        return $"batched-vs-single codes: identical ({batch} utterances started 20 ms apart, {alone.Sum(a => a.Count)} frames, each against itself alone)";
    }
}

using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>Jobs and helpers for the cluster tests.</summary>
internal static class ClusterJobs
{
    public const string ShortText = "Hello there, this is short.";

    /// <summary>About sixty tokens: at 3 frames a token, a few seconds on an emulated card.</summary>
    public const string LongText = "This is a much longer sentence that keeps an emulated card busy for a few seconds, " +
                                   "because every token of text becomes several frames of audio, and frames take time to make, " +
                                   "even on a card that only pretends to be an accelerator while it really runs on the CPU.";

    public static SynthesisJob Job(string text, string tenant = "tenant-a", ulong seed = 1) => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        Tenant = tenant,
        Text = text,
        Language = "english",
        Voice = VoiceSpec.Designed("A calm, clear voice"),
        Seed = seed,
    };

    /// <summary>Runs a job to the end; returns the completion summary and the audio samples.</summary>
    public static async Task<(SynthesisSummary Summary, float[] Audio)> RunAsync(SynthesisDispatcher dispatcher, SynthesisJob job,
        CancellationToken cancellationToken = default)
    {
        var audio = new List<float>();
        await foreach (var e in dispatcher.RunAsync(job, cancellationToken))
        {
            if (e.Kind == SynthesisEventKind.Audio)
            {
                audio.AddRange(e.Samples!);
            }
            else if (e.Kind == SynthesisEventKind.Completed)
            {
                return (e.Summary!, [.. audio]);
            }
        }

        throw new InvalidOperationException("the stream ended without completion");
    }

    /// <summary>Starts a job and returns once the card admitted it; the rest runs in the background.</summary>
    public static async Task<Task<(SynthesisSummary Summary, float[] Audio)>> StartAsync(SynthesisDispatcher dispatcher, SynthesisJob job)
    {
        var admitted = new TaskCompletionSource();
        var run = Task.Run(async () =>
        {
            var audio = new List<float>();
            await foreach (var e in dispatcher.RunAsync(job))
            {
                switch (e.Kind)
                {
                    case SynthesisEventKind.Admitted:
                        admitted.TrySetResult();
                        break;
                    case SynthesisEventKind.Audio:
                        audio.AddRange(e.Samples!);
                        break;
                    case SynthesisEventKind.Completed:
                        return (e.Summary!, audio.ToArray());
                }
            }

            throw new InvalidOperationException("the stream ended without completion");
        });
        await Task.WhenAny(admitted.Task, run);
        if (run.IsFaulted)
        {
            await run;
        }

        return run;
    }
}

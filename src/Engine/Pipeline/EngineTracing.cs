using System.Diagnostics;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// The engine's spans ("QwenTts.Engine"): the talker's prefill of the prompt, the step before the first frame that grows
/// with the prompt (a long voice description, a cloned voice's reference codes). Only inside a traced utterance: a
/// probe, a self-test or a benchmark starts no trace of its own.
/// </summary>
public static class EngineTracing
{
    public const string SourceName = "QwenTts.Engine";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartPrefill(int rows) =>
        Activity.Current is null ? null : Source.StartActivity("qwentts.engine.prefill")?.SetTag("qwentts.prompt_rows", rows);

    /// <summary>The prefill of an utterance run on another thread (its decode lane's), under the utterance's own span.</summary>
    public static Activity? StartPrefill(int rows, Activity? utterance) =>
        utterance is null ? null : Source.StartActivity("qwentts.engine.prefill", ActivityKind.Internal, utterance.Context)?.SetTag("qwentts.prompt_rows", rows);
}

using System.Runtime.CompilerServices;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Devices.Cards;

/// <summary>
/// One card's model engine, loaded once: the VoiceDesign synthesizer and, when configured, the Base synthesizer
/// for cloned voices. Emulated cards run on the CPU and are paced to their profile's throughput.
/// </summary>
public sealed class CardEngine : IDisposable
{
    private readonly ModelOptions _model;
    private readonly UtteranceLengthModel _frames;
    private long _framesMade;

    public CardEngine(CardSpec spec, SpeechSynthesizer design, SpeechSynthesizer? clone, ModelOptions model, CardPacer? pacer,
        string provider, long memoryBytes)
    {
        Spec = spec;
        Design = design;
        Clone = clone;
        _model = model;
        Pacer = pacer;
        Provider = provider;
        MemoryBytes = memoryBytes;
        _frames = new UtteranceLengthModel(model.MaxFramesPerTextToken > 0 ? model.MaxFramesPerTextToken : 4.0);
    }

    public CardSpec Spec { get; }

    public SpeechSynthesizer Design { get; }

    public SpeechSynthesizer? Clone { get; }

    public CardPacer? Pacer { get; }

    /// <summary>
    /// Frames this card's utterances have made so far, counted frame by frame as the engine makes them (on an emulated
    /// card, as its pacer's clock does), where audio leaves a chunk at a time: what the card measures its rates from.
    /// </summary>
    public double FramesMade => Pacer?.FramesMade ?? Interlocked.Read(ref _framesMade);

    /// <summary>The largest stream chunk: the longest a healthy card may go between two pieces of audio of one utterance.</summary>
    public int MaxChunkFrames => _model.MaxChunkFrames;

    /// <summary>How far ahead of real time a batching card makes each stream: enough for its piece sizes (see <see cref="PlaybackAdmission"/>).</summary>
    public double PlaybackHeadroom(TimeSpan playerBuffer) =>
        PlaybackAdmission.HeadroomFor(_model.FirstChunkFrames, _model.ChunkFrames, _model.MaxChunkFrames, playerBuffer.TotalSeconds);

    public string Provider { get; }

    public long MemoryBytes { get; }

    public DeviceKind Kind => Spec.AdvertisedKind;

    public bool Emulated => Spec.IsEmulated;

    public string Model => Spec.Model ?? Spec.Emulate ?? Kind.ToString().ToLowerInvariant();

    public bool CanClone => Clone?.CanClone == true;

    /// <summary>Health from the self-test, the vendor tool and recent outcomes, with the card's circuit breaker.</summary>
    public required CardHealth Health { get; init; }

    /// <summary>Set when the load-time self-test found the model would not serve on this card.</summary>
    public string? SelfTestProblem => Health.SelfTestProblem;

    /// <summary>False while the card is unhealthy (the router sends it nothing; the reason is in its load report).</summary>
    public bool Healthy => Health.Current.State != DeviceHealth.Unhealthy;

    /// <summary>Notes a failed utterance against the card's health, by what failed.</summary>
    public void Failed(Exception failure) => Health.Failed(failure switch
    {
        QwenTts.Engine.Runtime.NonFiniteOutputException => CardFailureKind.NonFinite,
        Microsoft.ML.OnnxRuntime.OnnxRuntimeException => CardFailureKind.Provider,
        TimeoutException => CardFailureKind.Timeout,
        _ => CardFailureKind.Error,
    }, failure.Message);

    public void Succeeded() => Health.Succeeded();

    /// <summary>Throughput to assume before any measurement: the emulated profile, or the warm-up measurement.</summary>
    public double InitialFramesPerSecond { get; internal set; } = 1;

    /// <summary>Frames this job will most likely take, from its text tokens and the utterances seen so far, within the cap.</summary>
    public double EstimateFrames(SynthesisJob job)
    {
        var (synthesizer, request) = Prepare(job);
        var prompt = synthesizer.BuildPrompt(request);
        var limit = request.Sampling!.FrameLimit(prompt.ContentTokenCount);
        var whole = Math.Min(limit, _frames.Estimate(prompt.ContentTokenCount));
        return Math.Max(1, whole - ResumedFrames(job));
    }

    /// <summary>Synthesises the job, paced to the card's profile when emulated.</summary>
    /// <param name="metered">
    /// False for the card's own probes, which run beside (or instead of) its utterances, outside its count of what runs:
    /// their frames are left out of <see cref="FramesMade"/>.
    /// </param>
    public async IAsyncEnumerable<AudioChunk> RunAsync(SynthesisJob job, [EnumeratorCancellation] CancellationToken cancellationToken, bool metered = true)
    {
        var midStreamFault = false;
        if (Spec.IsEmulated && Spec.FaultFile is { } fault && File.Exists(fault))
        {
            var mode = File.ReadAllText(fault).Trim();
            midStreamFault = mode.StartsWith("mid-stream", StringComparison.Ordinal);
            if (mode == "mid-stream-once")
            {
                File.Delete(fault); // one failure, on whichever card takes the next utterance
            }

            if (!midStreamFault)
            {
                throw new EmulatedCardFaultException($"emulated card {Spec.Index} is faulty while {fault} exists");
            }
        }

        var (synthesizer, request) = Prepare(job);
        request = metered ? request : request with { FrameMade = null };
        var tokens = synthesizer.BuildPrompt(request).ContentTokenCount;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        TimeSpan? firstAudio = null;
        var resumed = ResumedFrames(job);
        var computingSince = Pacer?.Now;
        using var paced = Pacer?.Running();
        if (paced is not null && resumed > 0)
        {
            await paced.ReserveAsync(resumed * CardPacer.ReplayedFrameCost, cancellationToken, computingSince, counts: false);
            computingSince = Pacer!.Now;
        }

        await foreach (var chunk in synthesizer.SynthesizeAsync(request, cancellationToken))
        {
            if (paced is not null)
            {
                await paced.ReserveAsync(chunk.Samples.Length / synthesizer.Manifest.Codec.SamplesPerFrame, cancellationToken, computingSince, counts: metered);
            }

            if (chunk.Samples.Length > 0)
            {
                if (midStreamFault && firstAudio is not null)
                {
                    throw new EmulatedCardFaultException($"emulated card {Spec.Index} failed mid-utterance (fault file says mid-stream)");
                }

                firstAudio ??= System.Diagnostics.Stopwatch.GetElapsedTime(started);
            }

            if (chunk.Stats is not { } stats)
            {
                yield return chunk;
                computingSince = Pacer?.Now; // the next chunk's work begins when it is asked for
                continue;
            }

            if (tokens > 0 && job.Sampling?.CutShort(stats.Frames + resumed) != true)
            {
                _frames.Learn(tokens, stats.Frames + resumed);
            }

            // The card's own times: on an emulated card they include its pacing, as a real card's would.
            var wall = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            yield return chunk with { Stats = stats with { Wall = wall, TimeToFirstAudio = firstAudio ?? wall } };
            computingSince = Pacer?.Now;
        }
    }

    /// <summary>
    /// Design-then-clone: a short reference clip synthesised from the description with the VoiceDesign model, then
    /// the Base model's x-vector and reference codes of that clip.
    /// </summary>
    public VoiceClonePrompt DeriveClonePrompt(VoiceDesign design, ulong seed, string referenceText, CancellationToken cancellationToken = default)
    {
        if (Clone is null || !Clone.CanClone)
        {
            throw new InvalidOperationException("This card has no Base model loaded; voices are stored as description, language and seed.");
        }

        var (clip, _, _) = Design.Synthesize(new SynthesisRequest
        {
            Text = referenceText,
            Language = design.Language,
            Voice = new VoicePrompt.Designed(design.Description),
            Seed = seed,
            Sampling = Sampling(Design.Manifest, null),
        }, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var prompt = Clone.CreateClonePrompt(clip, referenceText);
        return new VoiceClonePrompt(prompt.SpeakerEmbedding, prompt.ReferenceCodes ?? [], prompt.ReferenceFrames, referenceText,
            $"{Clone.Manifest.Name} from {Design.Manifest.Name}");
    }

    /// <summary>The Base model's prompt of a recording: x-vector, and reference codes when its transcript is given.</summary>
    public VoiceClonePrompt CloneRecording(float[] samples, string? referenceText)
    {
        if (Clone is null || !Clone.CanClone)
        {
            throw new InvalidOperationException("This card has no Base model loaded.");
        }

        var prompt = Clone.CreateClonePrompt(samples, referenceText);
        return new VoiceClonePrompt(prompt.SpeakerEmbedding, prompt.ReferenceCodes ?? [], prompt.ReferenceFrames, referenceText ?? "",
            $"{Clone.Manifest.Name} from a recording");
    }

    /// <summary>The Base model's speaker embedding of a recording, the x-vector a clone prompt carries.</summary>
    public float[] EmbedSpeaker(float[] samples)
    {
        if (Clone is null || !Clone.CanClone)
        {
            throw new InvalidOperationException("This card has no Base model loaded.");
        }

        return Clone.SpeakerEmbedding(samples);
    }

    /// <summary>The fingerprint of the stored clone prompt this card speaks the job from, or null when it speaks from a description.</summary>
    public string? ClonePromptUsed(SynthesisJob job) => job.Voice.ClonePrompt?.Fingerprint();

    private (SpeechSynthesizer Synthesizer, SynthesisRequest Request) Prepare(SynthesisJob job)
    {
        var useClone = job.Voice.ClonePrompt is not null;
        if (useClone && !CanClone)
        {
            // Never a designed voice in a cloned voice's place (its description may be empty): the job goes elsewhere.
            throw new CannotCloneException($"card {Spec.Index} has no Base model and cannot speak a cloned voice");
        }

        var synthesizer = useClone ? Clone! : Design;
        VoicePrompt voice = useClone
            ? new VoicePrompt.Cloned(job.Voice.ClonePrompt!.SpeakerEmbedding, job.Voice.ClonePrompt.ReferenceCodes,
                job.Voice.ClonePrompt.ReferenceFrames, job.Voice.ClonePrompt.ReferenceText)
            : job.Voice.PresetSpeaker is { } speaker
                ? new VoicePrompt.Preset(speaker, job.Voice.Description)
                : new VoicePrompt.Designed(job.Voice.Description ?? "");
        var request = new SynthesisRequest
        {
            Text = job.Text,
            Language = job.Language,
            Voice = voice,
            Seed = job.Seed,
            NonStreamingText = job.NonStreamingText,
            Sampling = Sampling(synthesizer.Manifest, job.Sampling),
            ResumeFrames = ResumeFrames(job, synthesizer.Manifest.Codec.Codebooks),
            FrameMade = Pacer is null ? () => Interlocked.Increment(ref _framesMade) : null, // an emulated card's frames are its pacer's
        };
        return (synthesizer, request);
    }

    /// <summary>Frames of a resumed utterance that an earlier card made (0 for a fresh one).</summary>
    public int ResumedFrames(SynthesisJob job) => (job.ResumeCodes?.Length ?? 0) / Design.Manifest.Codec.Codebooks;

    private static IReadOnlyList<int[]>? ResumeFrames(SynthesisJob job, int codebooks)
    {
        if (job.ResumeCodes is not { Length: > 0 } codes)
        {
            return null;
        }

        if (codes.Length % codebooks != 0)
        {
            throw new ArgumentException($"The utterance to resume has {codes.Length} codes, not whole frames of {codebooks} codebooks.");
        }

        return codes.Chunk(codebooks).ToArray();
    }

    private SamplingOptions Sampling(ModelManifest manifest, SamplingSpec? spec)
    {
        var defaults = SamplingOptions.From(manifest.Generation) with { MaxFramesPerTextToken = _model.MaxFramesPerTextToken };
        return spec is null
            ? defaults
            : defaults with
            {
                Temperature = spec.Temperature ?? defaults.Temperature,
                TopK = spec.TopK ?? defaults.TopK,
                TopP = spec.TopP ?? defaults.TopP,
                MaxNewTokens = Math.Min(defaults.MaxNewTokens, spec.MaxNewTokens ?? defaults.MaxNewTokens),
            };
    }

    public void Dispose()
    {
        Design.Dispose();
        Clone?.Dispose();
    }
}

/// <summary>A job with a cloned voice reached a card without the Base model; it must go to a card that has it.</summary>
public sealed class CannotCloneException(string message) : InvalidOperationException(message);

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Model;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.Engine.Text;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// Text + voice in, 24 kHz audio out, on one card. Holds the card's sessions (loaded once); every utterance gets its
/// own small state, so several run at once. Synthesis runs on its own thread and streams chunks back.
/// </summary>
public sealed class SpeechSynthesizer : IDisposable
{
    private readonly ModelSessions _sessions;
    private readonly PromptBuilder _prompts;

    public SpeechSynthesizer(ModelSessions sessions, QwenTokenizer tokenizer, StreamingOptions? streaming = null, StaticShapeOptions? staticShapes = null,
        EngineAcceleration? acceleration = null)
    {
        _sessions = sessions;
        Acceleration = acceleration ?? EngineAcceleration.None("export graphs (acceleration not loaded)");
        Tokenizer = tokenizer;
        _prompts = new PromptBuilder(tokenizer, sessions.Manifest);
        Streaming = streaming ?? new StreamingOptions();
        var shapes = staticShapes ?? new StaticShapeOptions();
        StaticShapes = shapes.IsEnabledFor(sessions.Provider.Kind) ? shapes : null;
    }

    public ModelManifest Manifest => _sessions.Manifest;

    public QwenTokenizer Tokenizer { get; }

    public StreamingOptions Streaming { get; }

    /// <summary>Non-null when this card runs at static shapes (bucketed KV cache, padded prefill and decodes).</summary>
    public StaticShapeOptions? StaticShapes { get; private set; }

    /// <summary>talker_decode's attention_mask is past + this long: 1 by default, 2 when the self-test finds the graph needs it.</summary>
    public int DecodeMaskExtra { get; set; } = 1;

    /// <summary>The cached predictor and host tables built from the checkpoint, with why each is or is not used.</summary>
    public EngineAcceleration Acceleration { get; }

    /// <summary>Runs the cached code predictor when the checkpoint gave one that agrees with the export.</summary>
    public bool UseCachedPredictor { get; private init; } = true;

    /// <summary>Looks codec and predictor embeddings up on the host when the checkpoint's tables agree with the graphs.</summary>
    public bool UseHostLookups { get; private init; } = true;

    /// <summary>
    /// On the CPU, runs the talker through the engine's own fused step (cache written in place) when the checkpoint gave
    /// one that agrees with the export, instead of the export's talker_prefill and talker_decode.
    /// </summary>
    public bool UseEngineTalker { get; private init; } = true;

    /// <summary>The card's decode lanes when its utterances share batched steps (<see cref="EnableBatching"/>); null: each on its own.</summary>
    public Batching.DecodeLanes? Batching { get; private set; }

    /// <summary>Whether this card batches, and why not when it does not.</summary>
    public string BatchingStatus { get; private set; } = "unbatched (not asked for)";

    /// <summary>
    /// Runs this card's utterances in decode lanes from now on, where its engine can (see <see cref="Batching.CardBatching"/>);
    /// returns the status either way.
    /// </summary>
    public string EnableBatching(Batching.BatchingOptions options)
    {
        if (Batching is not null)
        {
            throw new InvalidOperationException("This card batches already.");
        }

        (Batching, BatchingStatus) = QwenTts.Engine.Batching.CardBatching.TryStart(this, options);
        _ownsBatching = Batching is not null;
        return BatchingStatus;
    }

    private bool _ownsBatching;

    private bool ViewBatches(bool? batched, bool? staticShapes, bool? cachedPredictor, bool? engineTalker) =>
        batched != false && cachedPredictor != false && engineTalker != false && (staticShapes is not { } on || on == (Batching?.Options.Shapes is not null));

    /// <summary>
    /// A view of this synthesizer (same sessions, nothing reloaded) with static shapes, the cached predictor or host
    /// lookups switched: model-check and the benchmarks compare the variants side by side.
    /// </summary>
    public SpeechSynthesizer With(bool? staticShapes = null, bool? cachedPredictor = null, bool? hostLookups = null, bool? engineTalker = null,
        bool? batched = null) =>
        new(_sessions, Tokenizer, Streaming, acceleration: Acceleration)
        {
            StaticShapes = staticShapes switch
            {
                true => StaticShapes ?? new StaticShapeOptions(),
                false => null,
                null => StaticShapes,
            },
            UseCachedPredictor = cachedPredictor ?? UseCachedPredictor,
            UseHostLookups = hostLookups ?? UseHostLookups,
            UseEngineTalker = engineTalker ?? UseEngineTalker,
            DecodeMaskExtra = DecodeMaskExtra,
            // The lanes run the engine's talker and cached predictor at the card's shapes: a view without them does not batch.
            Batching = ViewBatches(batched, staticShapes, cachedPredictor, engineTalker) ? Batching : null,
            BatchingStatus = ViewBatches(batched, staticShapes, cachedPredictor, engineTalker) ? BatchingStatus : "unbatched (a view without the card's lanes)",
            _ownsSessions = false,
        };

    private bool _ownsSessions = true;

    /// <summary>Frame counts the chunk decoder is called with at static shapes: the stream's chunk sizes and the graph's limit.</summary>
    public IReadOnlyList<int> DecodeSizes()
    {
        var codec = Manifest.Codec;
        var sizes = new SortedSet<int> { Streaming.FirstChunkFrames, codec.MaxDecodeFrames };
        for (var chunk = Streaming.ChunkFrames; ; chunk = Math.Min(Streaming.MaxChunkFrames, chunk * 2))
        {
            sizes.Add(Math.Min(codec.MaxDecodeFrames, Streaming.LeftContextFrames + chunk));
            if (chunk >= Streaming.MaxChunkFrames)
            {
                break;
            }
        }

        return [.. sizes];
    }

    public ModelSessions Sessions => _sessions;

    /// <summary>
    /// Lets go of the export graphs this card does not run, once the engine's own forms were checked against them at load
    /// (after the self-test, which still reads the export's talker for the decode mask): the talker's two graphs when the
    /// engine talker or the static-shape talker runs, code_predictor under the cached predictor, and the two lookup graphs
    /// under host tables. Each export talker graph holds a whole copy of the talker's weights (5.6 GB in fp32 at 1.7B), so
    /// without this a CPU card holds the talker three times. A diagnostic that asks for a released graph reopens it.
    /// </summary>
    public IReadOnlyList<string> ReleaseExportGraphsNotRun()
    {
        var notRun = ExportGraphsNotRun();
        foreach (var graph in notRun)
        {
            _sessions.Release(graph);
        }

        NativeHeap.Trim();
        return notRun;
    }

    /// <summary>The export graphs this card does not run (see <see cref="ReleaseExportGraphsNotRun"/>); nothing is released.</summary>
    public IReadOnlyList<string> ExportGraphsNotRun()
    {
        var notRun = new List<string>();
        // A batching card's lanes run every utterance's talker and predictor steps in the forms built from the checkpoint.
        var talkerStep = Batching is not null || (StaticShapes is not null
            ? Acceleration.EnsureTalkerStep(_sessions) is not null
            : UseEngineTalker && Acceleration.EngineTalker(_sessions) is not null);
        if (talkerStep)
        {
            notRun.AddRange([GraphNames.TalkerPrefill, GraphNames.TalkerDecode]);
        }

        if (Batching is not null || (UseCachedPredictor && Acceleration.Predictor is not null))
        {
            notRun.Add(GraphNames.CodePredictor);
        }

        if (UseHostLookups && Acceleration.Tables.Tables is not null)
        {
            notRun.AddRange([GraphNames.CodecEmbed, GraphNames.CodePredictorEmbed]);
        }

        return notRun;
    }

    public static SpeechSynthesizer Load(string modelDirectory, ExecutionProviderOptions provider, StreamingOptions? streaming = null,
        string? hfDirectory = null, StaticShapeOptions? staticShapes = null, bool accelerate = true)
    {
        var sessions = ModelSessions.Load(modelDirectory, provider, hfDirectory);
        try
        {
            var tokenizer = QwenTokenizer.Load(Path.Combine(modelDirectory, sessions.Manifest.Tokenizer));
            var acceleration = accelerate ? EngineAcceleration.Load(sessions) : EngineAcceleration.None("export graphs (acceleration switched off)");
            return new SpeechSynthesizer(sessions, tokenizer, streaming, staticShapes, acceleration);
        }
        catch
        {
            sessions.Dispose();
            throw;
        }
    }

    /// <summary>True for a Base model with its speaker and codec encoders: it can clone a voice from a clip.</summary>
    public bool CanClone => _sessions.CanClone;

    /// <summary>The Base model's speaker embedding (x-vector) of a 24 kHz clip: the speaker a clone prompt carries.</summary>
    public float[] SpeakerEmbedding(float[] audio24k)
    {
        if (!CanClone)
        {
            throw new InvalidOperationException($"Model '{Manifest.Name}' ({Manifest.Variant}) has no speaker encoder: speaker embeddings need the Base model.");
        }

        return new OnnxVoiceEncoders(_sessions).SpeakerEmbedding(audio24k);
    }

    /// <summary>
    /// The Base model's voice-clone prompt from a 24 kHz reference clip: its x-vector, and with the reference text its
    /// codes for ICL mode. With <paramref name="appendSilence"/> (the default) half a second of silence is appended
    /// before encoding so the last phoneme does not bleed into the first synthesised one: a community fix from
    /// faster-qwen3-tts, not part of the official create_voice_clone_prompt.
    /// </summary>
    public VoicePrompt.Cloned CreateClonePrompt(float[] referenceAudio24k, string? referenceText, bool appendSilence = true)
    {
        if (!CanClone)
        {
            throw new InvalidOperationException($"Model '{Manifest.Name}' ({Manifest.Variant}) has no speaker and codec encoders: cloning needs the Base model.");
        }

        var encoders = new OnnxVoiceEncoders(_sessions);
        var embedding = encoders.SpeakerEmbedding(referenceAudio24k);
        if (string.IsNullOrWhiteSpace(referenceText))
        {
            return new VoicePrompt.Cloned(embedding);
        }

        var withSilence = new float[referenceAudio24k.Length + (appendSilence ? Manifest.Codec.SampleRate / 2 : 0)];
        referenceAudio24k.CopyTo(withSilence, 0);
        var (codes, frames) = encoders.Encode(withSilence);
        return new VoicePrompt.Cloned(embedding, codes, frames, referenceText);
    }

    /// <summary>Builds the prompt (validates text, language and voice) without running anything.</summary>
    public TalkerPrompt BuildPrompt(SynthesisRequest request) =>
        _prompts.Build(request.Text, request.Language, request.Voice, request.NonStreamingText);

    /// <summary>Streams the utterance's audio chunk by chunk; the last chunk carries the statistics.</summary>
    public async IAsyncEnumerable<AudioChunk> SynthesizeAsync(SynthesisRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = BuildPrompt(request);
        var channel = Channel.CreateBounded<AudioChunk>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                Produce(request, prompt, chunk => channel.Writer.WriteAsync(chunk, stop.Token).AsTask().GetAwaiter().GetResult(), stop.Token);
                channel.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                channel.Writer.TryComplete(ex);
            }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await foreach (var chunk in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return chunk;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The whole utterance: every frame, then the official chunked decode.</summary>
    public (float[] Audio, IReadOnlyList<int[]> Codes, SynthesisStats Stats) Synthesize(SynthesisRequest request, CancellationToken cancellationToken = default)
    {
        if (request.ResumeFrames is { Count: > 0 })
        {
            throw new ArgumentException("Only a streamed utterance can be resumed.", nameof(request));
        }

        var prompt = BuildPrompt(request);
        var watch = Stopwatch.StartNew();
        using var utterance = new Utterance(this, request, cancellationToken);
        var codes = utterance.Generate(prompt, _prompts, cancellationToken).ToList();
        var icl = request.Voice is VoicePrompt.Cloned { IsIcl: true } clone ? clone : null;
        var audio = StreamingCodecDecoder.DecodeWhole(utterance.Decoder, Manifest.Codec, codes, icl?.ReferenceCodes, icl?.ReferenceFrames ?? 0);
        watch.Stop();
        var stats = new SynthesisStats(codes.Count, prompt.Length, watch.Elapsed, watch.Elapsed, utterance.Timer.Elapsed,
            utterance.Timer.Runs, audio.Length / (double)Manifest.Codec.SampleRate);
        return (audio, codes, stats);
    }

    /// <summary>Only the codes (no audio): what tests of reproducibility compare.</summary>
    public IReadOnlyList<int[]> GenerateCodes(SynthesisRequest request, CancellationToken cancellationToken = default) =>
        GenerateCodesTimed(request, cancellationToken).Codes;

    /// <summary>The codes and the time each graph took to make them.</summary>
    public (IReadOnlyList<int[]> Codes, IReadOnlyDictionary<string, (TimeSpan Time, int Runs)> GraphTimes) GenerateCodesTimed(
        SynthesisRequest request, CancellationToken cancellationToken = default)
    {
        var prompt = BuildPrompt(request);
        using var utterance = new Utterance(this, request, cancellationToken);
        var codes = utterance.Generate(prompt, _prompts, cancellationToken).ToList();
        return (codes, utterance.Timer.ByGraph);
    }

    private void Produce(SynthesisRequest request, TalkerPrompt prompt, Action<AudioChunk> emit, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var utterance = new Utterance(this, request, cancellationToken);
        using var terminate = cancellationToken.Register(() => utterance.Run.Terminate = true);
        var decoder = new StreamingCodecDecoder(utterance.Decoder, Manifest.Codec, Streaming);
        if (request.Voice is VoicePrompt.Cloned { IsIcl: true } clone)
        {
            decoder.SeedContext(clone.ReferenceCodes!, clone.ReferenceFrames);
        }

        if (request.ResumeFrames is { Count: > 0 } resumed)
        {
            decoder.Resume(resumed);
        }

        var index = 0;
        var frames = 0;
        long samples = 0;
        TimeSpan? firstAudio = null;
        AudioChunk? pending = null;
        var codes = new List<int>();

        void Send(float[] chunk)
        {
            // Hold one chunk back so the last one can be marked final and carry the statistics.
            if (pending is not null)
            {
                emit(pending);
            }

            firstAudio ??= watch.Elapsed;
            samples += chunk.Length;
            pending = new AudioChunk(chunk, Manifest.Codec.SampleRate, index++, IsFinal: false) { Codes = [.. codes] };
            codes.Clear();
        }

        foreach (var frame in utterance.Generate(prompt, _prompts, cancellationToken))
        {
            frames++;
            codes.AddRange(frame);
            if (decoder.Push(frame) is { } chunk)
            {
                Send(chunk);
            }
        }

        if (decoder.Flush() is { } rest)
        {
            Send(rest);
        }

        watch.Stop();
        var stats = new SynthesisStats(frames, prompt.Length, watch.Elapsed, firstAudio ?? watch.Elapsed, utterance.Timer.Elapsed,
            utterance.Timer.Runs, samples / (double)Manifest.Codec.SampleRate);
        var last = pending ?? new AudioChunk([], Manifest.Codec.SampleRate, index, IsFinal: false);
        emit(last with { IsFinal = true, Stats = stats with { GraphTimes = utterance.Timer.ByGraph } });
    }

    public void Dispose()
    {
        if (_ownsBatching && Batching is { } lanes)
        {
            lanes.Dispose();
        }

        if (_ownsSessions)
        {
            Acceleration.Dispose();
            _sessions.Dispose();
        }
    }

    /// <summary>Per-utterance state: run options, timer, the ONNX parts and the seeded generator.</summary>
    private sealed class Utterance : IDisposable
    {
        private readonly ModelSessions _sessions;
        private readonly SynthesisRequest _request;
        private readonly ITalker? _talker;
        private readonly ICodePredictor? _predictor;
        private readonly IEmbeddings _embeddings;
        private readonly bool _halfSums;
        private readonly Batching.LaneSeat? _seat;

        /// <param name="cancellationToken">Ends the wait for a lane row when the card's lanes are full.</param>
        public Utterance(SpeechSynthesizer synthesizer, SynthesisRequest request, CancellationToken cancellationToken)
        {
            var sessions = synthesizer._sessions;
            var shapes = synthesizer.StaticShapes;
            _sessions = sessions;
            _request = request;
            _halfSums = sessions.FloatType(GraphNames.TalkerDecode) == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16;
            Run = new RunOptions();
            Timer = new OrtTimer();
            var built = new List<IDisposable> { Run };
            try
            {
                // Static shapes without the checkpoint's talker run the dynamic one; the card's self-test reports it unhealthy.
                var seat = _seat = synthesizer.Batching is { } lanes && (shapes is null) == (lanes.Options.Shapes is null) ? lanes.Join(Timer, cancellationToken) : null;
                if (seat is not null)
                {
                    built.Add(seat);
                }

                _talker = seat is not null ? null : shapes is not null && synthesizer.Acceleration.EnsureTalkerStep(sessions) is { } step
                    ? new BucketedTalker(step, sessions, Run, Timer, shapes, synthesizer.Acceleration.TalkerStepInPlace)
                    : synthesizer.UseEngineTalker && synthesizer.Acceleration.EngineTalker(sessions) is { } fused
                        ? new BucketedTalker(fused, sessions, Run, Timer, shapes: null, inPlace: true)
                        : new OnnxTalker(sessions, Run, Timer, synthesizer.DecodeMaskExtra);
                if (_talker is not null)
                {
                    built.Add(_talker);
                }

                var acceleration = synthesizer.Acceleration;
                _predictor = seat is not null ? null : synthesizer.UseCachedPredictor && acceleration.Predictor is { } cached
                    ? new CachedCodePredictor(cached, sessions.Manifest.Talker.Hidden, sessions.Manifest.Codec.CodebookSize, Run, Timer)
                    : new OnnxCodePredictor(sessions, Run, Timer);
                if (_predictor is not null)
                {
                    built.Add(_predictor);
                }

                var graphLookups = new OnnxEmbeddings(sessions, Run, Timer, shapes?.PrefillLengths);
                _embeddings = synthesizer.UseHostLookups && acceleration.Tables.Tables is { } tables
                    ? new HostEmbeddings(graphLookups, tables)
                    : graphLookups;
                Decoder = new OnnxCodecDecoder(sessions, Run, Timer, shapes is null ? null : synthesizer.DecodeSizes());
            }
            catch
            {
                built.ForEach(part => part.Dispose());
                throw;
            }
        }

        public RunOptions Run { get; }

        public OrtTimer Timer { get; }

        public ICodecDecoder Decoder { get; }

        public IEnumerable<int[]> Generate(TalkerPrompt prompt, PromptBuilder builder, CancellationToken cancellationToken)
        {
            var manifest = _sessions.Manifest;
            var sampling = _request.Sampling ?? SamplingOptions.From(manifest.Generation);
            var hidden = manifest.Talker.Hidden;

            var embedder = new PromptEmbedder(_embeddings, manifest, _halfSums);
            var promptEmbeds = embedder.Embed(prompt, _request.Voice);
            var trailing = new float[Math.Max(1, prompt.TrailingTextIds.Count) * hidden];
            if (prompt.TrailingTextIds.Count > 0)
            {
                _embeddings.Text(prompt.TrailingTextIds, trailing, 0);
            }

            var ttsPad = new float[hidden];
            _embeddings.Text([manifest.TextIds.TtsPad], ttsPad, 0);

            var frameLimit = sampling.FrameLimit(prompt.ContentTokenCount);
            var random = new Xoshiro256(_request.Seed);
            if (_seat is not null)
            {
                var decoder = new FrameDecoder(_embeddings, manifest, sampling, random, _halfSums, trailing, prompt.TrailingTextIds.Count, ttsPad,
                    frameLimit, _request.ResumeFrames) { FrameMade = _request.FrameMade };
                return _seat.Generate(decoder, promptEmbeds, prompt.Length, cancellationToken);
            }

            (_talker as IReservesFrames)?.Reserve(frameLimit);
            var generator = new FrameGenerator(_talker!, _predictor!, _embeddings, manifest, sampling, random, _halfSums);
            return generator.Generate(promptEmbeds, prompt.Length, trailing, prompt.TrailingTextIds.Count, ttsPad,
                frameLimit, cancellationToken, _request.ResumeFrames, _request.FrameMade);
        }

        public void Dispose()
        {
            _seat?.Dispose(); // first: the lane lets go of the utterance's embeddings
            _talker?.Dispose();
            _predictor?.Dispose();
            _embeddings.Dispose();
            Run.Dispose();
        }
    }
}

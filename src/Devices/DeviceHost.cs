using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QwenTts.Devices.Cards;
using QwenTts.Devices.Discovery;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices;

/// <summary>
/// The cards of this silo: declared and discovered, each with its model engine loaded once at start-up (a card
/// whose execution provider is missing stops the silo with the build to install). Also the silo's drain switch.
/// </summary>
public sealed partial class DeviceHost(
    IOptions<DeviceOptions> deviceOptions,
    IOptions<ModelOptions> modelOptions,
    ISystemProbe probe,
    TimeProvider clock,
    ILogger<DeviceHost> logger) : IDisposable
{
    private readonly Dictionary<int, CardEngine> _cards = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _warmUps = [];
    private Task? _vendorPoll;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;

    public IReadOnlyCollection<CardEngine> Cards => _cards.Values;

    public DeviceOptions Options => deviceOptions.Value;

    /// <summary>Set when the silo is stopping: cards finish what they run and take nothing new.</summary>
    public bool Draining { get; private set; }

    /// <summary>Completes once every card is loaded (device grains wait for it).</summary>
    public Task Loaded => _loaded.Task;

    public int ActiveUtterances => Volatile.Read(ref _active);

    public CardEngine Get(int index) => _cards.TryGetValue(index, out var card)
        ? card
        : throw new KeyNotFoundException($"This silo has no card {index} (cards: {string.Join(", ", _cards.Keys)}).");

    /// <summary>Loads every card's engine; the silo calls it before it joins the cluster.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var options = deviceOptions.Value;
        try
        {
            var specs = await InventoryAsync(cancellationToken);
            foreach (var spec in specs)
            {
                _cards[spec.Index] = Load(spec);
            }

            _loaded.TrySetResult();
            if (options.Discover && options.Health.VendorPollInterval > TimeSpan.Zero)
            {
                _vendorPoll = PollVendorHealthAsync(options.Health.VendorPollInterval, _stopping.Token);
            }
        }
        catch (Exception ex)
        {
            _loaded.TrySetException(ex);
            throw;
        }
    }

    /// <summary>Stops admissions and waits for running utterances to finish, at most <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Draining = true;
        LogDraining(ActiveUtterances);
        var watch = Stopwatch.StartNew();
        while (ActiveUtterances > 0 && watch.Elapsed < timeout && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        LogDrained(ActiveUtterances, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Asks the vendor tools (npu-smi, hy-smi, nvidia-smi) about the real cards now and then: their health column
    /// (OK, Warning, Alarm, ...) feeds each card's health. Emulated cards have no tool.
    /// </summary>
    private async Task PollVendorHealthAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, clock);
        while (true)
        {
            try
            {
                var report = await new DeviceDiscovery(probe).DiscoverAsync(stopping);
                foreach (var card in _cards.Values.Where(c => !c.Emulated))
                {
                    var seen = report.Cards.FirstOrDefault(v => v.Card.Kind == card.Spec.Kind && v.RuntimeDeviceId == card.Spec.DeviceId);
                    card.Health.Vendor(seen is null ? "Error: not listed by the vendor tool" : seen.Card.Health);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogVendorPollFailed(ex.Message);
            }

            try
            {
                await timer.WaitForNextTickAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void UtteranceStarted() => Interlocked.Increment(ref _active);

    public void UtteranceEnded() => Interlocked.Decrement(ref _active);

    /// <summary>Declared cards, plus discovered ones not declared, plus a CPU card when there is nothing else.</summary>
    public async Task<IReadOnlyList<CardSpec>> InventoryAsync(CancellationToken cancellationToken)
    {
        var options = deviceOptions.Value;
        var specs = options.Cards.ToList();
        if (options.Discover)
        {
            var report = await new DeviceDiscovery(probe).DiscoverAsync(cancellationToken);
            foreach (var note in report.Notes)
            {
                LogDiscoveryNote(note);
            }

            foreach (var visible in report.Cards)
            {
                if (specs.Any(s => s.Kind == visible.Card.Kind && s.DeviceId == visible.RuntimeDeviceId && !s.IsEmulated))
                {
                    continue;
                }

                specs.Add(new CardSpec
                {
                    Index = specs.Count == 0 ? 0 : specs.Max(s => s.Index) + 1,
                    Kind = visible.Card.Kind,
                    DeviceId = visible.RuntimeDeviceId,
                    Model = visible.Card.Model,
                    MemoryGiB = visible.Card.MemoryBytes / (double)(1L << 30),
                });
            }
        }

        if (specs.Count == 0 && options.CpuFallback)
        {
            specs.Add(new CardSpec { Index = 0, Kind = DeviceKind.Cpu, Threads = Math.Max(1, Environment.ProcessorCount / 2) });
        }

        var duplicate = specs.GroupBy(s => s.Index).FirstOrDefault(g => g.Count() > 1);
        return duplicate is not null
            ? throw new InvalidOperationException($"Two cards share index {duplicate.Key}; indexes must be unique on a silo.")
            : specs;
    }

    private CardEngine Load(CardSpec spec)
    {
        var model = modelOptions.Value;
        if (string.IsNullOrWhiteSpace(model.Directory))
        {
            throw new InvalidOperationException("Model:Directory is not set: point it at a model directory (model.json and graphs).");
        }

        var provider = ProviderFor(spec) with { FusedCpuGraphs = model.FusedCpuGraphs };
        var streaming = new StreamingOptions
        {
            FirstChunkFrames = model.FirstChunkFrames, ChunkFrames = model.ChunkFrames, MaxChunkFrames = model.MaxChunkFrames,
            LeftContextFrames = model.LeftContextFrames,
        };
        var shapes = new StaticShapeOptions { Enabled = model.StaticShapes };
        var watch = Stopwatch.StartNew();
        var design = SpeechSynthesizer.Load(model.Directory, provider, streaming, model.HfDirectory, shapes);
        SpeechSynthesizer? clone = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(model.CloneDirectory))
            {
                clone = SpeechSynthesizer.Load(model.CloneDirectory, provider, streaming, model.CloneHfDirectory, shapes);
            }

            var problem = model.SelfTestAtLoad ? SelfTest(spec.Index, design) ?? (clone is null ? null : SelfTest(spec.Index, clone)) : null;
            ReleaseExportGraphsNotRun(spec.Index, design);
            if (clone is not null)
            {
                ReleaseExportGraphsNotRun(spec.Index, clone);
            }

            foreach (var synthesizer in new[] { design, clone }.OfType<SpeechSynthesizer>())
            {
                var batchingProblem = StartBatching(spec, synthesizer);
                problem ??= batchingProblem;
                if (synthesizer.Batching is not null)
                {
                    ReleaseExportGraphsNotRun(spec.Index, synthesizer); // the export's talker, which a GPU card ran unbatched
                }
            }

            var pacer = spec.IsEmulated ? new CardPacer(deviceOptions.Value.EmulatedFramesPerSecond * spec.RelativeSpeed, clock, deviceOptions.Value.EmulatedBatchStepCost) : null;
            var card = new CardEngine(spec, design, clone, model, pacer, provider.NativeProviderName, (long)(spec.MemoryGiB * (1L << 30)))
            {
                Health = new CardHealth(deviceOptions.Value.Health, clock) { SelfTestProblem = problem },
            };
            // An unhealthy card (a failed self-test or lane warm-up) takes no work: an utterance now could only fail its load.
            card.InitialFramesPerSecond = pacer is not null ? deviceOptions.Value.EmulatedAssumedFramesPerSecond ?? pacer.FramesPerSecond
                : problem is null ? WarmUp(design) : 1;
            foreach (var synthesizer in new[] { design, clone }.OfType<SpeechSynthesizer>().Where(s => s.StaticShapes is not null))
            {
                lock (_warmUps)
                {
                    _warmUps.Add(CompileRemainingShapesAsync(spec.Index, synthesizer, card.Health, model.SelfTestAtLoad));
                }
            }

            LogCardLoaded(spec.Index, card.Kind, card.Model, card.Emulated, provider.NativeProviderName, design.Manifest.Name,
                design.Manifest.Miniature, watch.Elapsed.TotalSeconds);
            return card;
        }
        catch
        {
            design.Dispose();
            clone?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The quick self-test of a model on this card (12 frames): sets the decode mask length that works, compiles every
    /// static shape when they are on, and returns what would stop the card from serving (it then reports unhealthy).
    /// </summary>
    private string? SelfTest(int index, SpeechSynthesizer synthesizer)
    {
        LogAcceleration(index, synthesizer.Manifest.Name, synthesizer.Acceleration.PredictorStatus, synthesizer.Acceleration.Tables.Status,
            synthesizer.Acceleration.TalkerStatus);
        if (synthesizer.Manifest.DefaultedFields.Count > 0)
        {
            LogDefaultedConfig(index, synthesizer.Manifest.Name, string.Join(", ", synthesizer.Manifest.DefaultedFields));
        }

        var report = ModelSelfTest.Run(synthesizer, deep: false);
        // One line a model at start-up (the console stays readable); the time of each graph at Debug.
        var lines = report.Lines().ToList();
        LogSelfTest(index, synthesizer.Manifest.Name, string.Join("; ", lines.Where(l => !l.StartsWith("time ", StringComparison.Ordinal))));
        LogSelfTestTimes(index, synthesizer.Manifest.Name, string.Join("; ", lines.Where(l => l.StartsWith("time ", StringComparison.Ordinal))));

        if (report.Serves(synthesizer.StaticShapes is not null))
        {
            return null;
        }

        var problem = $"self-test of {synthesizer.Manifest.Name} failed: non-finite {report.NonFinite}; decode-mask {report.DecodeMask}; bucketed {report.Bucketed}";
        LogSelfTestFailed(index, problem);
        return problem;
    }

    /// <summary>
    /// After the self-test (which reads the export's talker for the decode mask): the export graphs this card does not run
    /// leave memory, so a CPU card holds the talker's weights once, not three times.
    /// </summary>
    private void ReleaseExportGraphsNotRun(int index, SpeechSynthesizer synthesizer)
    {
        var released = synthesizer.ReleaseExportGraphsNotRun();
        var memory = ProcessMemory.Now();
        LogExportGraphsReleased(index, synthesizer.Manifest.Name, released.Count == 0 ? "none" : string.Join(", ", released),
            ProcessMemory.Gigabytes(released.Sum(synthesizer.Sessions.FileBytes)), ProcessMemory.Gigabytes(memory.ResidentBytes));
    }

    /// <summary>
    /// The static shapes the self-test did not compile (all of them when it did not run), in the background while the card
    /// serves: at real size every talker shape is minutes of compiling on an NPU. A shape that fails makes the card unhealthy.
    /// </summary>
    private async Task CompileRemainingShapesAsync(int index, SpeechSynthesizer synthesizer, CardHealth health, bool readySetCompiled)
    {
        await Task.Yield();
        try
        {
            var result = await Task.Run(() => StaticShapeWarmUp.Run(synthesizer,
                readySetCompiled ? StaticShapeWarmUp.Stage.Rest : StaticShapeWarmUp.Stage.All, _stopping.Token), _stopping.Token);
            LogShapesCompiled(index, synthesizer.Manifest.Name, result.Describe());
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            health.SelfTestProblem = $"static-shape warm-up of {synthesizer.Manifest.Name} failed: {ex.Message.Split('\n')[0]}";
            LogSelfTestFailed(index, health.SelfTestProblem);
        }
    }

    /// <summary>
    /// Decode lanes for the card's utterances where its engine can batch; the log says which, or why not. Returns what makes
    /// the card unhealthy, if anything (a static-shape lane's shape that fails to compile), as the self-test does.
    /// </summary>
    private string? StartBatching(CardSpec spec, SpeechSynthesizer synthesizer)
    {
        var options = deviceOptions.Value;
        var seats = (spec.MaxConcurrent ?? options.MaxConcurrent) + options.ResumeHeadroom; // what the card runs at most at once
        var (rows, lanes) = CardBatchShape.For(spec.Kind, ProviderFor(spec).Kind, spec.BatchRows ?? options.BatchRows, options.BatchLanes, seats,
            Environment.ProcessorCount);
        var status = synthesizer.EnableBatching(new Engine.Batching.BatchingOptions(rows, lanes));
        LogBatching(spec.Index, synthesizer.Manifest.Name, status);
        if (synthesizer.Batching?.Options.Shapes is null)
        {
            return null;
        }

        try
        {
            // The self-test compiled the unbatched ready set; the lanes' own shapes compile before the card takes work.
            LogShapesCompiled(spec.Index, synthesizer.Manifest.Name, StaticShapeWarmUp.Run(synthesizer, StaticShapeWarmUp.Stage.Ready, _stopping.Token).Describe());
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            var problem = $"static-shape warm-up of {synthesizer.Manifest.Name}'s decode lanes failed: {ex.Message.Split('\n')[0]}";
            LogSelfTestFailed(spec.Index, problem);
            return problem;
        }
    }

    /// <summary>Runs one short utterance so the first real one does not pay for warm-up; returns its frames/s.</summary>
    private static double WarmUp(SpeechSynthesizer synthesizer)
    {
        var (_, codes, stats) = synthesizer.Synthesize(CardFootprint.FirstUtterance(synthesizer.Manifest));
        return codes.Count > 0 ? Math.Max(1, stats.FramesPerSecond) : 1;
    }

    private static ExecutionProviderOptions ProviderFor(CardSpec spec) => new()
    {
        Kind = spec.IsEmulated ? ExecutionProviderKind.Cpu : spec.Provider ?? spec.Kind switch
        {
            DeviceKind.Ascend => ExecutionProviderKind.Cann,
            DeviceKind.Hygon => ExecutionProviderKind.Rocm,
            DeviceKind.Nvidia => ExecutionProviderKind.Cuda,
            _ => ExecutionProviderKind.Cpu,
        },
        DeviceId = spec.DeviceId,
        IntraOpThreads = spec.Threads,
        DeviceMemoryLimit = spec.DeviceMemoryLimit,
        CannPrecisionMode = spec.CannPrecisionMode,
        CudnnConvAlgoSearch = spec.CudnnConvAlgoSearch,
        ProfileDirectory = spec.ProfileDirectory is { } profiles ? Path.Combine(profiles, $"card-{spec.Index}") : null,
    };

    public void Dispose()
    {
        _stopping.Cancel();
        _vendorPoll?.Wait(TimeSpan.FromSeconds(5));
        lock (_warmUps)
        {
            // A shape being compiled holds its session: let it finish before the cards' sessions go (each checks the token between shapes).
            Task.WaitAll([.. _warmUps], TimeSpan.FromSeconds(60));
        }

        _stopping.Dispose();
        foreach (var card in _cards.Values)
        {
            card.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Index}: {Kind} {Model} (emulated: {Emulated}) on {Provider}, model {ModelName} (miniature: {Miniature}) loaded in {Seconds:F1} s")]
    private partial void LogCardLoaded(int index, DeviceKind kind, string model, bool emulated, string provider, string modelName, bool miniature, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Index} model {Model}: {Batching}")]
    private partial void LogBatching(int index, string model, string batching);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Index} model {Model}: code predictor {Predictor}; embedding lookups {Lookups}; talker step {Talker}")]
    private partial void LogAcceleration(int index, string model, string predictor, string lookups, string talker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card {Index} model {Model}: the HF folder lacks {Fields}; the release's values are used")]
    private partial void LogDefaultedConfig(int index, string model, string fields);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Index} model {Model}: export graphs released (the card runs the engine's checked forms): {Graphs} ({Bytes}); process resident memory {Resident}")]
    private partial void LogExportGraphsReleased(int index, string model, string graphs, string bytes, string resident);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Index} model {Model}: static shapes compiled in the background: {Result}")]
    private partial void LogShapesCompiled(int index, string model, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card {Index} self-test of {Model}: {Summary}")]
    private partial void LogSelfTest(int index, string model, string summary);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Card {Index} self-test of {Model}: {Times}")]
    private partial void LogSelfTestTimes(int index, string model, string times);

    [LoggerMessage(Level = LogLevel.Error, Message = "Card {Index} reports unhealthy: {Problem}. Run QwenTts.Silo model-check DIR --deep on it.")]
    private partial void LogSelfTestFailed(int index, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device discovery: {Note}")]
    private partial void LogDiscoveryNote(string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asking the vendor tools about card health failed: {Reason}")]
    private partial void LogVendorPollFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: no new work; waiting for {Active} running utterance(s)")]
    private partial void LogDraining(int active);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: {Active} utterance(s) still running after {Seconds:F1} s")]
    private partial void LogDrained(int active, double seconds);
}

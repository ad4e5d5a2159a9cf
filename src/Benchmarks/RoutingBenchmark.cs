using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// Least-expected-completion routing against the peers people deploy (round-robin, least-outstanding-requests,
/// power-of-two-choices) on the emulated rack, at 50 %, 85 % and 110 % of its capacity. Each run starts a fresh rack
/// (card speeds unknown, learned online) and replays the same Poisson schedule; policies run in alternating order.
/// The miniature ends utterances on its own, so request sizes are uncertain. One card degrades in every run: half
/// speed from 30 % to 55 % of the run, then a stall, then well again.
/// </summary>
public static class RoutingBenchmark
{
    private static readonly Variant[] Peers =
        [new(RoutingPolicy.LeastExpectedCompletion), new(RoutingPolicy.RoundRobin), new(RoutingPolicy.LeastOutstandingRequests), new(RoutingPolicy.PowerOfTwoChoices)];

    private static readonly Variant Ours = new(RoutingPolicy.LeastExpectedCompletion);

    /// <summary>A row of the table: a policy, with or without moving streams off a card that falls behind playback.</summary>
    private sealed record Variant(RoutingPolicy Policy, bool Moves = true);

    private static double s_moveBelowRealTime = new RoutingOptions().MoveBelowRealTime;

    private const int DegradedCard = 0; // card 0 of the first silo: an Ascend-like card of speed 1.0

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds", "30"), CultureInfo.InvariantCulture);
        var repeats = int.Parse(Option(args, "--repeats", "2"), CultureInfo.InvariantCulture);
        var loads = Option(args, "--loads", "50,85,110").Split(',').Select(l => double.Parse(l, CultureInfo.InvariantCulture) / 100).ToArray();
        var stall = TimeSpan.FromSeconds(double.Parse(Option(args, "--stall", "8"), CultureInfo.InvariantCulture));
        var stallBound = TimeSpan.FromSeconds(double.Parse(Option(args, "--stall-bound", "6"), CultureInfo.InvariantCulture));
        // Batched cards: a step of n utterances costs 1 + this x (n - 1) lone steps (0.5: 8 rows give 1.8x one row's rate).
        double? batchStepCost = args.Contains("--batched") ? double.Parse(Option(args, "--batch-step-cost", "0.5"), CultureInfo.InvariantCulture) : null;
        // A streaming player starts after holding this much (a jitter buffer); then it plays at 12.5 frames a second.
        var playbackBuffer = double.Parse(Option(args, "--playback-buffer", "1"), CultureInfo.InvariantCulture);
        var showCaught = args.Contains("--show-caught"); // each request caught by the stall, on standard error
        var showUnderruns = args.Contains("--show-underruns"); // each stream that fell behind playback, on standard error
        // Moves a stream off a card slower than this share of real time (Routing:MoveBelowRealTime), for every policy.
        s_moveBelowRealTime = double.Parse(Option(args, "--move-below", new RoutingOptions().MoveBelowRealTime.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        if (s_moveBelowRealTime is not (> 0 and <= 1))
        {
            Console.Error.WriteLine("--move-below is a share of real time, above 0 and at most 1.");
            return 2;
        }

        var showSlowest = int.Parse(Option(args, "--show-slowest", "0"), CultureInfo.InvariantCulture); // the slowest requests of each row and those with the latest first audio, on standard error
        // Also least-expected-completion without moving streams off a card that falls behind playback, side by side.
        var policies = Option(args, "--policies", string.Join(",", Peers.Select(Name))).Split(',');
        Variant[] variants = [.. Peers.Where(p => policies.Contains(Name(p))), .. args.Contains("--without-moves") ? [Ours with { Moves = false }] : Array.Empty<Variant>()];
        var model = MiniatureLocator.Ensure("tiny");
        var capacity = EmulatedRack.Capacity(batchStepCost);
        // Frames the degradation takes away in a run: half the card's rate for a quarter of the run, all of it during the stall.
        var degradedRate = EmulatedRack.FramesPerSecondAtSpeedOne * EmulatedRack.Speeds[0];
        var degradationFrames = degradedRate * ((0.5 * 0.25 * seconds) + stall.TotalSeconds);
        var meanFrames = await CalibrateAsync(model, batchStepCost);
        Console.WriteLine($"Routing benchmark on {Environment.ProcessorCount} cores: 2 silos x (1 emulated Ascend-910B-like at speed 1.0 + 1 emulated Hygon-like at 0.78), " +
                          $"tiny miniature (noise, not speech) ending utterances on its own, capacity {capacity:F0} frames/s, mean request {meanFrames:F0} frames, " +
                          $"{seconds:F0} s of Poisson arrivals per run, {repeats} run(s) per row (each its own schedule, pooled), " +
                          (batchStepCost is { } cost
                              ? $"cards batching (a step of n costs 1 + {cost} x (n - 1) lone ones; {EmulatedRack.BatchedSlots} slots, run as many as keep their streams ahead of playback) + 12 queued per card, "
                              : "4 concurrent + 12 queued per card, ") +
                          $"every card starting at {EmulatedRack.AssumedFramesPerSecond} frames/s (learned online). " +
                          $"Card 0 of silo 0 runs at half speed from {0.3 * seconds:F0} s to {0.55 * seconds:F0} s, then stalls for {stall.TotalSeconds:F0} s. " +
                          $"Streams move off a card slower than {s_moveBelowRealTime:0.##} x real time.");
        Console.WriteLine();
        Console.WriteLine("| load | policy | offered req/s | sent | completed | refused (503) | failed | lost | throughput frames/s | % of capacity | % of capacity left by the degradation | p50 latency | p99 latency | p99 TTFA | caught by the stall | longest wait after the stall | longest of those | underrun-free streams | CPU busy |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

        var p99At85 = new Dictionary<Variant, double>();
        var underrunFreeAt85 = new Dictionary<Variant, double>();
        var slowestAt85 = new Dictionary<Variant, Outcome>();
        var worstWait = TimeSpan.Zero;
        var cpuBound = false;
        var run = 0;
        foreach (var load in loads)
        {
            var rate = load * capacity / meanFrames;
            var results = variants.ToDictionary(p => p, _ => new List<LoadResult>());
            for (var repeat = 0; repeat < repeats; repeat++)
            {
                var schedule = Schedule(rate, seconds, seed: (int)Math.Round(load * 100) + (1000 * repeat));
                var order = run++ % 2 == 0 ? variants : [.. variants.Reverse()];
                foreach (var policy in order)
                {
                    results[policy].Add(await RunLoadAsync(model, policy, schedule, seconds, stall, showCaught, batchStepCost));
                }
            }

            foreach (var policy in variants)
            {
                var result = LoadResult.Pool(results[policy]);
                Print(load, policy, rate, result, capacity, degradationFrames, playbackBuffer);
                var completed = result.Outcomes.Where(o => o.Kind == "completed").ToList();
                foreach (var o in completed.OrderByDescending(o => o.LatencySeconds).Take(showSlowest))
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {load:P0} {Name(policy)}, slowest: {Describe(o)}"));
                }

                foreach (var o in completed.Where(o => showUnderruns && o.Underran(playbackBuffer)))
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {load:P0} {Name(policy)}, underran: {Describe(o)}; audio at {string.Join(" ", o.AudioAt!.Zip(o.AudioFrames!, (t, f) => $"{t:F1}+{f}"))}"));
                }

                foreach (var o in completed.OrderByDescending(o => o.TtfaSeconds).Take(showSlowest))
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {load:P0} {Name(policy)}, latest first audio: {Describe(o)}"));
                }

                if (Math.Abs(load - 0.85) < 1e-9)
                {
                    p99At85[policy] = result.P99;
                    underrunFreeAt85[policy] = result.UnderrunFree(playbackBuffer);
                    slowestAt85[policy] = result.Outcomes.Where(o => o.Kind == "completed").MaxBy(o => o.LatencySeconds)!;
                }

                worstWait = policy == Ours && result.LongestStallWait > worstWait ? result.LongestStallWait : worstWait;
                cpuBound |= result.CpuBusy > 0.9;
            }
        }

        Console.WriteLine();
        if (p99At85.Count == variants.Length && p99At85.ContainsKey(Ours) && p99At85.Keys.Any(p => p.Policy != RoutingPolicy.LeastExpectedCompletion))
        {
            var bestPeer = p99At85.Where(p => p.Key.Policy != RoutingPolicy.LeastExpectedCompletion).MinBy(p => p.Value);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"p99 vs best peer at 85 %: {bestPeer.Value / p99At85[Ours]:F2}x (best peer {Name(bestPeer.Key)}: {bestPeer.Value:F2} s; least-expected-completion {p99At85[Ours]:F2} s)"));
            foreach (var (policy, slowest) in slowestAt85)
            {
                Console.WriteLine($"Slowest at 85 %, {Name(policy)}: {Describe(slowest)}.");
            }
        }

        if (underrunFreeAt85.Count == variants.Length)
        {
            Console.WriteLine("underrun-free streams at 85 %: " + string.Join(", ", variants.Select(p =>
                string.Create(CultureInfo.InvariantCulture, $"{Name(p)} {underrunFreeAt85[p]:P1}"))) +
                string.Create(CultureInfo.InvariantCulture, $" (accepted streams whose audio never arrived later than a player needed it, starting {playbackBuffer:0.##} s after first audio)."));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Longest wait for audio after the stall began, of a request under way on the stalled card, under least-expected-completion: {worstWait.TotalSeconds:F1} s (bound {stallBound.TotalSeconds:F0} s: {(worstWait <= stallBound ? "met" : "NOT met")})."));
        Console.WriteLine($"CPU: {(cpuBound ? "the CPU was the bottleneck in at least one run (busy > 90 %): timings are not the cards' alone" : "never the bottleneck (busy <= 90 % in every run)")}.");
        Console.WriteLine("Throughput: audio frames delivered during the arrival window, over its length (a chunk still being made at its end is not counted, so it reads a little low). Capacity left by the degradation: the rack's rate less what the half-speed spell and the stall took from it in that window.");
        Console.WriteLine("Latency: arrival to last audio sample. TTFA: arrival to first audio. Lost: accepted requests that neither completed nor failed clearly (must be 0). " +
                          "Caught by the stall: requests admitted by the degraded card and not done when it stalled; their longest wait for audio after the stall began, and the longest latency among them. " +
                          "CPU busy: process CPU time over wall time x cores (the highest run).");
        return 0;
    }

    /// <param name="Cards">Every card that admitted the request (more than one after a failover).</param>
    /// <param name="AudioAt">When each piece of audio arrived, in seconds of the run.</param>
    /// <param name="AudioFrames">The frames of each piece of audio, as <paramref name="AudioAt"/>.</param>
    private sealed record Outcome(string Kind, double LatencySeconds, double TtfaSeconds, int Frames, string? Device, double StartedAt, int FramesInWindow = 0,
        IReadOnlyList<string>? Cards = null, IReadOnlyList<double>? AudioAt = null, int ResumedFrames = 0, IReadOnlyList<int>? AudioFrames = null)
    {
        public double EndedAt => StartedAt + LatencySeconds;

        /// <summary>
        /// Its audio fell behind playback: some piece arrived after the listener, playing at 12.5 frames a second from
        /// <paramref name="buffer"/> seconds after the first piece, had played everything before it. (The first pieces
        /// are short for a quick first audio, 4 then 12 frames: played at once, the second would need the card to make
        /// 12 frames in 0.32 s, so a player holds a little first.)
        /// </summary>
        public bool Underran(double buffer)
        {
            if (AudioAt is not { Count: > 0 } at || AudioFrames is null)
            {
                return false;
            }

            var playedFrom = at[0] + buffer;
            var buffered = 0.0;
            for (var i = 0; i < at.Count; i++)
            {
                if (at[i] > playedFrom + (buffered / Playback.FramesPerSecond))
                {
                    return true;
                }

                buffered += AudioFrames[i];
            }

            return false;
        }

        /// <summary>Under way on <paramref name="card"/> when it stalled at <paramref name="at"/>: admitted there, not yet done.</summary>
        public bool CaughtBy(string card, double at) => Kind == "completed" && Cards!.Contains(card) && StartedAt < at && EndedAt > at;

        /// <summary>How long after <paramref name="at"/> its audio flowed again (or it ended).</summary>
        public double WaitAfter(double at) => AudioAt!.Where(t => t > at).DefaultIfEmpty(EndedAt).Min() - at;
    }

    /// <param name="ArrivalSeconds">The arrival window: throughput counts the frames delivered within it, when the cards are loaded.</param>
    /// <param name="LongestOnStalledCard">The longest latency of a request under way on the degraded card when it stalled.</param>
    /// <param name="LongestStallWait">The longest any of those requests went without audio after the stall began.</param>
    private sealed record LoadResult(IReadOnlyList<Outcome> Outcomes, double ArrivalSeconds, double CpuBusy, TimeSpan LongestOnStalledCard, TimeSpan LongestStallWait, int Caught, int Runs = 1)
    {
        /// <summary>Several runs of one row as one: their requests together, their windows added up, the worst of the rest.</summary>
        public static LoadResult Pool(IReadOnlyList<LoadResult> runs) => new(
            [.. runs.SelectMany(r => r.Outcomes)], runs.Sum(r => r.ArrivalSeconds), runs.Max(r => r.CpuBusy),
            runs.Max(r => r.LongestOnStalledCard), runs.Max(r => r.LongestStallWait), runs.Sum(r => r.Caught), runs.Sum(r => r.Runs));

        public double[] Latencies => Outcomes.Where(o => o.Kind == "completed").Select(o => o.LatencySeconds).Order().ToArray();

        public double P99 => Percentile(Latencies, 0.99);

        /// <summary>Accepted streams (not refused) that completed and never fell behind playback, over all accepted.</summary>
        public double UnderrunFree(double buffer) => Outcomes.Count(o => o.Kind != "refused") is var accepted and > 0
            ? Outcomes.Count(o => o.Kind == "completed" && !o.Underran(buffer)) / (double)accepted
            : double.NaN;
    }

    private static async Task<LoadResult> RunLoadAsync(string model, Variant policy, IReadOnlyList<(double At, string Text, ulong Seed)> schedule,
        double seconds, TimeSpan stall, bool showCaught, double? batchStepCost)
    {
        await using var rack = await EmulatedRack.StartAsync(model, batchStepCost);
        var (router, dispatcher) = Routing(rack.Client, policy);
        await using var _ = router;
        await WaitForCardsAsync(router);
        var degraded = EmulatedRack.Pacer(rack, silo: 0, index: DegradedCard);
        var degradedKey = new Grains.Interfaces.Devices.DeviceId(rack.Silos[0].Name, DegradedCard).Key;
        var stallAt = 0.55 * seconds;
        var degradation = DegradeAsync(degraded, seconds, stall);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task<Outcome>>();
        foreach (var (at, text, seed) in schedule)
        {
            var delay = TimeSpan.FromSeconds(at) - clock.Elapsed;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }

            tasks.Add(OneAsync(dispatcher, text, seed, clock, seconds));
        }

        // Bounded: whatever has not finished two minutes after the last arrival counts as lost.
        var all = Task.WhenAll(tasks);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(seconds + 120)));
        await degradation;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / (clock.Elapsed.TotalSeconds * Environment.ProcessorCount);
        var outcomes = tasks.Select(t => t.IsCompletedSuccessfully ? t.Result : new Outcome("lost", 0, 0, 0, null, 0)).ToList();
        var caught = outcomes.Where(o => o.CaughtBy(degradedKey, stallAt)).ToList();
        if (showCaught)
        {
            foreach (var o in caught)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {Name(policy)}, caught by the stall at {stallAt:F1} s: arrived {o.StartedAt:F1} s, done {o.EndedAt:F1} s, {o.Frames} frames ({o.ResumedFrames} resumed), on {string.Join(" then ", o.Cards!)}, audio at {string.Join(" ", o.AudioAt!.Select(a => a.ToString("F1", CultureInfo.InvariantCulture)))} s"));
            }
        }

        var longest = caught.Select(o => o.LatencySeconds).DefaultIfEmpty(0).Max();
        var wait = caught.Select(o => o.WaitAfter(stallAt)).DefaultIfEmpty(0).Max();
        return new LoadResult(outcomes, seconds, cpu, TimeSpan.FromSeconds(longest), TimeSpan.FromSeconds(wait), caught.Count);
    }

    /// <summary>Half speed from 30 % to 55 % of the run, then a stall, then the card is well again.</summary>
    private static async Task DegradeAsync(Devices.Cards.CardPacer card, double seconds, TimeSpan stall)
    {
        await Task.Delay(TimeSpan.FromSeconds(0.3 * seconds));
        card.SlowDown(2);
        await Task.Delay(TimeSpan.FromSeconds(0.25 * seconds));
        card.SlowDown(1);
        card.Stall(stall);
    }

    private static async Task<Outcome> OneAsync(SynthesisDispatcher dispatcher, string text, ulong seed, Stopwatch runClock, double windowSeconds)
    {
        var startedAt = runClock.Elapsed.TotalSeconds;
        var watch = Stopwatch.StartNew();
        double? ttfa = null;
        var inWindow = 0;
        var cards = new List<string>();
        var audioAt = new List<double>();
        var audioFrames = new List<int>();
        try
        {
            await foreach (var e in dispatcher.RunAsync(Job(text, seed)))
            {
                if (e.Kind == SynthesisEventKind.Admitted && e.Device is { } card)
                {
                    cards.Add(card);
                }
                else if (e.Kind == SynthesisEventKind.Audio)
                {
                    ttfa ??= watch.Elapsed.TotalSeconds;
                    var at = runClock.Elapsed.TotalSeconds;
                    inWindow += at <= windowSeconds ? e.Samples!.Length / 1920 : 0;
                    audioAt.Add(at);
                    audioFrames.Add(e.Samples!.Length / 1920);
                }
                else if (e.Kind == SynthesisEventKind.Completed)
                {
                    return new Outcome("completed", watch.Elapsed.TotalSeconds, ttfa ?? 0, e.Summary!.Frames, e.Summary.Device, startedAt, inWindow,
                        cards, audioAt, e.Summary.ResumedFrames, audioFrames);
                }
            }

            return new Outcome("lost", 0, 0, 0, null, startedAt);
        }
        catch (ClusterSaturatedException)
        {
            return new Outcome("refused", watch.Elapsed.TotalSeconds, 0, 0, null, startedAt);
        }
        catch (SynthesisFailedException)
        {
            return new Outcome("failed", watch.Elapsed.TotalSeconds, 0, 0, null, startedAt);
        }
    }

    private static void Print(double load, Variant policy, double rate, LoadResult result, double capacity, double degradationFrames, double playbackBuffer)
    {
        var left = capacity - (degradationFrames * result.Runs / result.ArrivalSeconds); // the degradation happens in every run
        var completed = result.Outcomes.Where(o => o.Kind == "completed").ToList();
        var latency = result.Latencies;
        var ttfa = completed.Select(o => o.TtfaSeconds).Order().ToArray();
        var throughput = completed.Sum(o => o.FramesInWindow) / result.ArrivalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {load:P0} | {Name(policy)} | {rate:F2} | {result.Outcomes.Count} | {completed.Count} | {Count(result, "refused")} | {Count(result, "failed")} | {Count(result, "lost")} | {throughput:F1} | {throughput / capacity:P1} | {throughput / left:P1} | {Percentile(latency, 0.50):F2} s | {Percentile(latency, 0.99):F2} s | {Percentile(ttfa, 0.99):F2} s | {result.Caught} | {result.LongestStallWait.TotalSeconds:F1} s | {result.LongestOnStalledCard.TotalSeconds:F1} s | {result.UnderrunFree(playbackBuffer):P1} | {result.CpuBusy:P0} |"));
    }

    private static string Describe(Outcome o) => string.Create(CultureInfo.InvariantCulture,
        $"{o.LatencySeconds:F2} s (first audio {o.TtfaSeconds:F2} s), {o.Frames} frames, arrived {o.StartedAt:F1} s, on {string.Join(" then ", o.Cards!)}{(o.ResumedFrames > 0 ? $" (resumed after {o.ResumedFrames})" : "")}");

    private static string Name(Variant variant) => Name(variant.Policy) + (variant.Moves ? "" : " without moves");

    private static string Name(RoutingPolicy policy) => policy switch
    {
        RoutingPolicy.LeastExpectedCompletion => "least-expected-completion",
        RoutingPolicy.RoundRobin => "round-robin",
        RoutingPolicy.LeastOutstandingRequests => "least-outstanding-requests",
        _ => "power-of-two-choices",
    };

    private static int Count(LoadResult result, string kind) => result.Outcomes.Count(o => o.Kind == kind);

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>Poisson arrivals at <paramref name="rate"/> per second for <paramref name="seconds"/>, texts and seeds drawn at random.</summary>
    private static List<(double At, string Text, ulong Seed)> Schedule(double rate, double seconds, int seed)
    {
        var random = new Random(seed);
        var schedule = new List<(double, string, ulong)>();
        var at = 0.0;
        while (true)
        {
            at += -Math.Log(1 - random.NextDouble()) / rate;
            if (at >= seconds || schedule.Count >= 10_000)
            {
                return schedule;
            }

            schedule.Add((at, StoppingBenchmark.Texts[random.Next(StoppingBenchmark.Texts.Length)], (ulong)random.Next(1, 1_000_000)));
        }
    }

    /// <summary>The mean request size in frames: every text with a few seeds, on a rack of its own.</summary>
    private static async Task<double> CalibrateAsync(string model, double? batchStepCost)
    {
        await using var rack = await EmulatedRack.StartAsync(model, batchStepCost);
        var (router, dispatcher) = Routing(rack.Client, Ours);
        await using var _ = router;
        await WaitForCardsAsync(router);
        var sizes = new List<Task<int>>();
        foreach (var text in StoppingBenchmark.Texts)
        {
            for (ulong seed = 1; seed <= 3; seed++)
            {
                sizes.Add(FramesOfAsync(dispatcher, text, seed));
            }
        }

        return (await Task.WhenAll(sizes)).Average();
    }

    private static async Task<int> FramesOfAsync(SynthesisDispatcher dispatcher, string text, ulong seed)
    {
        await foreach (var e in dispatcher.RunAsync(Job(text, seed)))
        {
            if (e.Kind == SynthesisEventKind.Completed)
            {
                return e.Summary!.Frames;
            }
        }

        throw new InvalidOperationException("calibration request did not complete");
    }

    private static SynthesisJob Job(string text, ulong seed) => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        Tenant = "bench",
        Text = text,
        Language = "english",
        Voice = VoiceSpec.Designed("A clear, neutral voice"),
        Seed = seed,
    };

    private static (DeviceRouter Router, SynthesisDispatcher Dispatcher) Routing(IClusterClient client, Variant variant)
    {
        // Every policy refuses at once when every card is full (as before the frontend's admission queue), so the table
        // compares routing alone; the admission queue is proven by the reliability suite's kill test.
        var router = new DeviceRouter(client, Options.Create(new RoutingOptions { Policy = variant.Policy, MoveStreamsBehindPlayback = variant.Moves, MoveBelowRealTime = s_moveBelowRealTime, AdmissionTimeout = TimeSpan.Zero }), TimeProvider.System, NullLogger<DeviceRouter>.Instance);
        router.Start();
        return (router, new SynthesisDispatcher(client, router, new FrameEstimator(1.0), NullLogger<SynthesisDispatcher>.Instance));
    }

    private static async Task WaitForCardsAsync(DeviceRouter router)
    {
        for (var i = 0; i < 200 && router.Devices.Count < 4; i++)
        {
            await router.RefreshAsync();
            await Task.Delay(100);
        }
    }
}

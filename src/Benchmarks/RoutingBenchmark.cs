using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// Least-expected-completion routing against round-robin on the emulated rack, at 50 %, 85 % and 110 % of its
/// capacity, with Poisson arrivals bounded in count and time. Both policies see the same arrival schedule.
/// </summary>
public static class RoutingBenchmark
{
    private static readonly string[] Texts =
    [
        "Good morning.",
        "Your order has shipped and should arrive on Thursday.",
        "Please hold while we connect you to the next available agent.",
        "The quarterly report shows steady growth across every region, with the strongest gains in the north.",
        "Thank you for calling.",
        "Turn left at the next intersection, then continue straight for about two kilometres until you reach the bridge.",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds", "40"), CultureInfo.InvariantCulture);
        var model = MiniatureLocator.Ensure("tiny");
        await using var rack = await EmulatedRack.StartAsync(model);
        var capacity = EmulatedRack.CapacityFramesPerSecond;

        // Calibrate the mean request size (frames) with one pass over the texts.
        var (calibrationRouter, calibration) = Routing(rack.Client, RoutingPolicy.LeastExpectedCompletion);
        await using (calibrationRouter)
        {
            await WaitForCardsAsync(calibrationRouter);
            var sizes = new List<int>();
            foreach (var text in Texts)
            {
                sizes.Add(await FramesOfAsync(calibration, text));
            }

            var meanFrames = sizes.Average();
            Console.WriteLine($"Routing benchmark: 2 silos x (1 emulated Ascend-910B-like at speed 1.0 + 1 emulated Hygon-like at 0.78), " +
                              $"tiny miniature (noise, not speech), capacity {capacity:F0} frames/s, mean request {meanFrames:F0} frames, " +
                              $"{seconds:F0} s of Poisson arrivals per run, 4 concurrent + 12 queued per card.");
            Console.WriteLine();
            Console.WriteLine("| load | policy | offered req/s | sent | completed | refused (503) | failed | lost | throughput frames/s | % of capacity | p50 latency | p99 latency | p50 TTFA | p99 TTFA |");
            Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

            foreach (var load in new[] { 0.50, 0.85, 1.10 })
            {
                var rate = load * capacity / meanFrames;
                var schedule = Schedule(rate, seconds, seed: (int)(load * 100));
                foreach (var policy in new[] { RoutingPolicy.LeastExpectedCompletion, RoutingPolicy.RoundRobin })
                {
                    var result = await RunLoadAsync(rack.Client, policy, schedule, seconds);
                    Print(load, policy, rate, result, capacity);
                    await Task.Delay(TimeSpan.FromSeconds(2)); // let the cards fall idle between runs
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("Latency: arrival to last audio sample. TTFA: arrival to first audio. Lost: accepted requests that neither completed nor failed clearly (must be 0).");
        return 0;
    }

    private sealed record Outcome(string Kind, double LatencySeconds, double TtfaSeconds, int Frames);

    private sealed record LoadResult(IReadOnlyList<Outcome> Outcomes, double WindowSeconds);

    private static async Task<LoadResult> RunLoadAsync(IClusterClient client, RoutingPolicy policy, IReadOnlyList<(double At, string Text)> schedule, double seconds)
    {
        var (router, dispatcher) = Routing(client, policy);
        await using var _ = router;
        await WaitForCardsAsync(router);
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task<Outcome>>();
        foreach (var (at, text) in schedule)
        {
            var delay = TimeSpan.FromSeconds(at) - clock.Elapsed;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay);
            }

            tasks.Add(OneAsync(dispatcher, text));
        }

        // Bounded: whatever has not finished two minutes after the last arrival counts as lost.
        var all = Task.WhenAll(tasks);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(seconds + 120)));
        var outcomes = tasks.Select(t => t.IsCompletedSuccessfully ? t.Result : new Outcome("lost", 0, 0, 0)).ToList();
        return new LoadResult(outcomes, clock.Elapsed.TotalSeconds);
    }

    private static async Task<Outcome> OneAsync(SynthesisDispatcher dispatcher, string text)
    {
        var watch = Stopwatch.StartNew();
        double? ttfa = null;
        try
        {
            await foreach (var e in dispatcher.RunAsync(Job(text)))
            {
                if (e.Kind == SynthesisEventKind.Audio)
                {
                    ttfa ??= watch.Elapsed.TotalSeconds;
                }
                else if (e.Kind == SynthesisEventKind.Completed)
                {
                    return new Outcome("completed", watch.Elapsed.TotalSeconds, ttfa ?? 0, e.Summary!.Frames);
                }
            }

            return new Outcome("lost", 0, 0, 0);
        }
        catch (ClusterSaturatedException)
        {
            return new Outcome("refused", watch.Elapsed.TotalSeconds, 0, 0);
        }
        catch (SynthesisFailedException)
        {
            return new Outcome("failed", watch.Elapsed.TotalSeconds, 0, 0);
        }
    }

    private static void Print(double load, RoutingPolicy policy, double rate, LoadResult result, double capacity)
    {
        var completed = result.Outcomes.Where(o => o.Kind == "completed").ToList();
        var latency = completed.Select(o => o.LatencySeconds).Order().ToArray();
        var ttfa = completed.Select(o => o.TtfaSeconds).Order().ToArray();
        var throughput = completed.Sum(o => o.Frames) / result.WindowSeconds;
        var name = policy == RoutingPolicy.LeastExpectedCompletion ? "least-expected-completion" : "round-robin";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {load:P0} | {name} | {rate:F2} | {result.Outcomes.Count} | {completed.Count} | {Count(result, "refused")} | {Count(result, "failed")} | {Count(result, "lost")} | {throughput:F1} | {throughput / capacity:P1} | {Percentile(latency, 0.50):F2} s | {Percentile(latency, 0.99):F2} s | {Percentile(ttfa, 0.50):F2} s | {Percentile(ttfa, 0.99):F2} s |"));
    }

    private static int Count(LoadResult result, string kind) => result.Outcomes.Count(o => o.Kind == kind);

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>Poisson arrivals at <paramref name="rate"/> per second for <paramref name="seconds"/>, texts drawn uniformly.</summary>
    private static List<(double At, string Text)> Schedule(double rate, double seconds, int seed)
    {
        var random = new Random(seed);
        var schedule = new List<(double, string)>();
        var at = 0.0;
        while (true)
        {
            at += -Math.Log(1 - random.NextDouble()) / rate;
            if (at >= seconds || schedule.Count >= 10_000)
            {
                return schedule;
            }

            schedule.Add((at, Texts[random.Next(Texts.Length)]));
        }
    }

    private static async Task<int> FramesOfAsync(SynthesisDispatcher dispatcher, string text)
    {
        await foreach (var e in dispatcher.RunAsync(Job(text)))
        {
            if (e.Kind == SynthesisEventKind.Completed)
            {
                return e.Summary!.Frames;
            }
        }

        throw new InvalidOperationException("calibration request did not complete");
    }

    private static SynthesisJob Job(string text) => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        Tenant = "bench",
        Text = text,
        Language = "english",
        Voice = VoiceSpec.Designed("A clear, neutral voice"),
        Seed = 1,
    };

    private static (DeviceRouter Router, SynthesisDispatcher Dispatcher) Routing(IClusterClient client, RoutingPolicy policy)
    {
        var router = new DeviceRouter(client, Options.Create(new RoutingOptions { Policy = policy }), TimeProvider.System, NullLogger<DeviceRouter>.Instance);
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

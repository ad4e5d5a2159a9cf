using System.Globalization;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Tenants;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// A few minutes of steady load on the whole system as processes (private PostgreSQL, two silos with emulated cards,
/// the frontend), sampling each process's resident memory, open handles and threads, to show they level off instead
/// of growing. Bounded in time and count; loopback only.
/// </summary>
public static class SoakBenchmark
{
    private sealed record Sample(TimeSpan At, string Process, long RssMiB, int Handles, int Threads);

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = double.Parse(Option(args, "--minutes", "3"), CultureInfo.InvariantCulture);
        var rate = double.Parse(Option(args, "--rate", "4"), CultureInfo.InvariantCulture);
        var model = MiniatureLocator.Ensure("tiny");
        var data = Path.Combine(Path.GetTempPath(), "qwentts-soak-" + Guid.NewGuid().ToString("N")[..8]);
        await using var system = new LocalSystem(new LocalSystemOptions { DataDirectory = data, Ephemeral = true, ClusterId = "soak" });
        await system.StartPostgresAsync();
        foreach (var name in new[] { "silo-a", "silo-b" })
        {
            await system.StartSiloAsync(new SiloSpec(name, EmulatedCards.SiloArguments(model, new EmulatedCards.Settings())));
        }

        var frontend = await system.StartFrontendAsync();
        await using var dataSource = NpgsqlDataSource.Create(system.ConnectionString);
        var tenants = new TenantStore(dataSource);
        await tenants.CreateTenantAsync("soak", "soak", requestsPerMinute: 100_000, charactersPerDay: long.MaxValue / 2);
        var key = (await tenants.CreateKeyAsync("soak")).Key;
        using var client = new HttpClient { BaseAddress = frontend.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        var count = (int)(minutes * 60 * rate);
        Console.WriteLine($"Soak: {minutes} min, {rate} requests/s ({count} requests), 2 silos x 2 emulated cards, tiny miniature (noise, not speech).");
        var samples = new List<Sample>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var service in system.Silos.Append(frontend))
                {
                    if (Measure(service.Process.ProcessId) is var (rss, handles, threads))
                    {
                        samples.Add(new Sample(clock.Elapsed, service.Name, rss, handles, threads));
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(15), stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });

        var texts = new[] { "Soak test sentence number {0}.", "A slightly longer soak sentence, number {0}, with a comma.", "短句{0}。" };
        var outcomes = await SpeechLoad.RunAsync(client, TimeSpan.FromSeconds(1 / rate), count,
            i => new { input = string.Format(CultureInfo.InvariantCulture, texts[i % texts.Length], i), voice = "alloy", response_format = i % 2 == 0 ? "pcm" : "mp3" },
            TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        await sampler;

        Console.WriteLine(SpeechLoad.Summary(outcomes));
        Console.WriteLine();
        Console.WriteLine("| process | after warm-up: RSS MiB / handles / threads | at the end | RSS growth | growth, first half | growth, second half |");
        Console.WriteLine("|---|---|---|---:|---:|---:|");
        var verdict = true;
        var warmUp = TimeSpan.FromMinutes(Math.Min(1, minutes / 3));
        foreach (var group in samples.GroupBy(s => s.Process))
        {
            var series = group.OrderBy(s => s.At).ToList();
            var baseline = series.FirstOrDefault(s => s.At > warmUp) ?? series[0];
            var middle = series.FirstOrDefault(s => s.At >= baseline.At + ((series[^1].At - baseline.At) / 2)) ?? baseline;
            var last = series[^1];
            double Growth(Sample from, Sample to) => (to.RssMiB - from.RssMiB) / (double)Math.Max(1, baseline.RssMiB);
            // Levelling off: the second half of the run grows memory no faster than half the first half did (or by under
            // 3 % of the baseline), and handles stay within a small margin.
            var levelsOff = Growth(middle, last) <= Math.Max(0.03, Growth(baseline, middle) / 2);
            verdict &= levelsOff && Growth(baseline, last) < 0.25 && last.Handles - baseline.Handles <= 50;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {baseline.RssMiB} / {baseline.Handles} / {baseline.Threads} | {last.RssMiB} / {last.Handles} / {last.Threads} | {Growth(baseline, last):P1} | {Growth(baseline, middle):P1} | {Growth(middle, last):P1} |"));
        }

        Console.WriteLine();
        Console.WriteLine("RSS MiB by minute: " + string.Join("; ", samples.GroupBy(s => s.Process).Select(g =>
            g.Key + " " + string.Join(" ", g.GroupBy(s => (int)s.At.TotalMinutes).Select(m => m.Last().RssMiB)))));

        // Any request not completed fails the soak: lost, broken mid-stream, or refused (the load stays under capacity).
        var failed = outcomes.Count(o => o.Kind != SpeechLoad.Kind.Completed);
        Console.WriteLine();
        Console.WriteLine(verdict && failed == 0
            ? "Steady: memory and handles level off; every request completed (none lost, broken or refused)."
            : $"Growth or failed requests found ({failed} lost, broken or refused): see the table and the summary.");
        return verdict && failed == 0 ? 0 : 1;
    }

    /// <summary>Resident memory (MiB), open file descriptors and threads of a process, from /proc.</summary>
    private static (long RssMiB, int Handles, int Threads)? Measure(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            long Field(string name) => long.Parse(status.First(l => l.StartsWith(name, StringComparison.Ordinal))
                .Split(':', StringSplitOptions.TrimEntries)[1].Split(' ')[0], CultureInfo.InvariantCulture);
            return (Field("VmRSS") / 1024, Directory.GetFiles($"/proc/{pid}/fd").Length, (int)Field("Threads"));
        }
        catch (IOException)
        {
            return null;
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>A silo cut off from the others, from PostgreSQL and from the frontend by a network partition, under load.</summary>
public sealed class PartitionTests(ITestOutputHelper output)
{
    private const string CutOff = "silo-c";

    // Same length for every request (letters, no digits for the normaliser to spell out): each bills the same characters.
    private static string Text(int i) => $"Partition load request {(char)('a' + (i / 26 % 26))}{(char)('a' + (i % 26))} of the steady stream.";

    private static object Body(int i) => new { input = Text(i), voice = "alloy", response_format = "pcm" };

    /// <summary>
    /// Three silos, each in its own network namespace; silo-c's switch port goes down for 10 s while 2 requests/s run
    /// and jobs are submitted. The majority (silo-a, silo-b) declares silo-c dead and keeps serving; the frontend stops
    /// routing to silo-c's cards and fails its running streams over; when the link returns, silo-c finds itself declared
    /// dead and stops, and a replacement in its place (as Kubernetes restarts a pod) brings the cluster back to six cards.
    /// No request is lost, none is billed twice or billed without audio, every job is made exactly once.
    /// </summary>
    [Fact]
    public async Task A_silo_cut_off_by_a_partition_takes_no_work_it_cannot_finish_and_the_cluster_heals()
    {
        const int requests = 52;
        const int cutAtRequest = 12;
        const int healAtRequest = 32; // 20 requests at 500 ms: 10 s cut off (declared dead within 3 to 5 s of it)
        await using var system = await PartitionedSystem.StartAsync(["silo-a", "silo-b", CutOff],
            new EmulatedSystem.CardSettings(QueueLimit: 8), JobArguments);
        var key = await system.CreateTenantAsync("partition");
        using var client = system.Client(key);
        var clock = Stopwatch.StartNew();
        TimeSpan cutAt = default, healedAt = default;
        var jobs = new List<Task<(string Id, List<string> Refusals)>>();

        var outcomes = await SpeechLoad.RunAsync(client, TimeSpan.FromMilliseconds(500), requests, Body, TimeSpan.FromSeconds(75), async i =>
        {
            if (i is 2 or 8 or cutAtRequest + 2 or cutAtRequest + 10)
            {
                jobs.Add(Task.Run(() => SubmitJobAsync(client, i, clock)));
            }

            if (i == cutAtRequest)
            {
                await system.Network.CutAsync(CutOff);
                cutAt = clock.Elapsed;
            }
            else if (i == healAtRequest)
            {
                await system.Network.HealAsync(CutOff);
                healedAt = clock.Elapsed;
            }
        });

        // After the heal: what does the cut-off silo do? Observed, not assumed.
        var cutOffSilo = system.Silo(CutOff);
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await cutOffSilo.Process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                // Still running: reported and asserted below.
            }
        }

        var stoppedItself = cutOffSilo.Process.HasExited;
        var stoppedAfterHeal = clock.Elapsed - healedAt;
        var cutOffLog = cutOffSilo.Process.Output;
        var verdict = cutOffLog.Split('\n').FirstOrDefault(l => l.Contains("I have been told I am dead", StringComparison.Ordinal)) ?? "(no death notice in its output)";
        output.WriteLine($"{CutOff} after the heal: {(stoppedItself ? $"stopped itself within {stoppedAfterHeal.TotalSeconds:F1} s" : "still running")}: " +
            verdict[..Math.Min(verdict.Length, 400)]);
        if (!stoppedItself)
        {
            cutOffSilo.Process.Kill(); // asserted at the end, after the figures are printed
        }

        await system.StartSiloAsync(CutOff);
        await system.WaitForCardsAsync(6);
        var afterHeal = await SpeechLoad.RunAsync(client, TimeSpan.FromMilliseconds(300), 6, i => Body(requests + i), TimeSpan.FromSeconds(60));
        var submitted = await Task.WhenAll(jobs);
        var jobStatuses = await Task.WhenAll(submitted.Select(job => WaitForJobAsync(client, job.Id)));
        var jobUsage = await UsageOrTimeoutAsync(system.ConnectionString, "partition", "/v1/audio/jobs", jobStatuses.Length);
        var jobResults = jobStatuses.Select(job => job with { UsageRows = jobUsage.RequestIds.Count(r => r == job.Id) }).ToList();

        // Billing: one usage row per request id (the table's key); every request that sent audio is billed its characters once,
        // a request refused or broken before audio is billed nothing.
        var billed = await UsageOrTimeoutAsync(system.ConnectionString, "partition", "/v1/audio/speech", requests + afterHeal.Count);
        var all = outcomes.Concat(afterHeal).Select((o, i) => (Outcome: o, Characters: Text(i).Length)).ToList();
        var charged = all.Where(o => o.Outcome.Kind == SpeechLoad.Kind.Completed || o.Outcome.FirstAudio is not null).ToList();
        var chargedCharacters = charged.Sum(o => o.Characters);
        // Billed beyond the requests whose audio went out: a request billed twice, or billed though it was refused or broke before audio.
        var doubleBilled = Math.Max(0, billed.Charged - charged.Count);

        var frontendLog = system.System.Frontend!.Process.Output.Split('\n');
        var before = SpeechLoad.FirstAudio(outcomes, TimeSpan.Zero, cutAt);
        var during = SpeechLoad.FirstAudio(outcomes, cutAt, healedAt);
        var after = SpeechLoad.FirstAudio(outcomes, healedAt, TimeSpan.MaxValue);
        output.WriteLine($"network {system.Network.Subnet}; {CutOff} cut off at {cutAt.TotalSeconds:F1} s for {(healedAt - cutAt).TotalSeconds:F1} s");
        output.WriteLine($"sent {all.Count}, completed {Count(all, SpeechLoad.Kind.Completed)}, refused {Count(all, SpeechLoad.Kind.Refused)}, " +
            $"broken {Count(all, SpeechLoad.Kind.Broken)}, lost {Count(all, SpeechLoad.Kind.Lost)}, double-billed {doubleBilled} " +
            $"(usage rows {billed.Rows}, billed {billed.Charged} requests / {billed.Characters} characters; audio went out for {charged.Count} / {chargedCharacters})");
        output.WriteLine($"first audio before the cut p50 {before.P50:F2} s, max {before.Max:F2} s; during p50 {during.P50:F2} s, max {during.Max:F2} s; " +
            $"after the heal p50 {after.P50:F2} s, max {after.Max:F2} s; slowest {all.Max(o => o.Outcome.Took).TotalSeconds:F1} s; " +
            $"failovers (segment continued on another card): {frontendLog.Count(l => l.Contains("on another card", StringComparison.Ordinal))}");
        output.WriteLine($"after the heal and {CutOff}'s replacement: {SpeechLoad.Summary(afterHeal)}; cards {string.Join(",", await system.CardsAsync(client))}");
        foreach (var refusal in submitted.SelectMany(j => j.Refusals))
        {
            output.WriteLine($"job submission refused, retried: {refusal}");
        }

        foreach (var job in jobResults)
        {
            output.WriteLine($"job {job.Id}: {job.Status}, audio files {job.AudioFiles}, 'completed' logged {job.CompletedLines} time(s), usage rows {job.UsageRows}");
            if (job.CompletedLines != 1 || job.UsageRows != 1)
            {
                output.WriteLine("  " + string.Join("\n  ", frontendLog.Where(l => l.Contains(job.Id, StringComparison.Ordinal)).Select(l => l[..Math.Min(l.Length, 300)])));
            }
        }

        foreach (var failed in all.Where(o => o.Outcome.Kind != SpeechLoad.Kind.Completed))
        {
            output.WriteLine($"  {failed.Outcome.Kind} at {failed.Outcome.SentAt.TotalSeconds:F1}s ({failed.Outcome.Status}): {failed.Outcome.Detail}");
        }

        var timedOut = frontendLog.Where(l => l.Contains("did not arrive on time", StringComparison.Ordinal)).ToList();
        output.WriteLine($"frontend: {timedOut.Count} grain calls waited out their timeout (" +
            string.Join(", ", timedOut.GroupBy(l => System.Text.RegularExpressions.Regex.Match(l, @"->\[S(\S+) (\w+)/").Value).Select(g => $"{g.Key}: {g.Count()}")) + ")");
        output.WriteLine("--- frontend: other warnings and errors ---\n" + string.Join('\n', frontendLog.Where(l =>
            (l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal))
            && !l.Contains("did not arrive on time", StringComparison.Ordinal) && !l.Contains("DataProtection", StringComparison.Ordinal)).Take(30).Select(l => l[..Math.Min(l.Length, 300)])));

        // With the tests' fast membership the majority declares it dead within seconds of the cut; once it can read the
        // membership table again it learns so and stops (Orleans: "I have been told I am dead").
        Assert.True(stoppedItself, $"{CutOff} kept running 30 s after the heal (was it not declared dead during the cut?):\n{Tail(cutOffLog)}");
        Assert.Equal(0, Count(all, SpeechLoad.Kind.Lost));
        Assert.Equal(0, doubleBilled);
        Assert.Equal(charged.Count, billed.Charged);
        Assert.Equal(chargedCharacters, billed.Characters);
        // Sent while silo-c was cut off, or after: served by the majority side.
        Assert.All(outcomes.Where(o => o.SentAt >= cutAt), o => Assert.Equal(SpeechLoad.Kind.Completed, o.Kind));
        Assert.All(afterHeal, o => Assert.Equal(SpeechLoad.Kind.Completed, o.Kind));
        Assert.All(jobResults, job =>
        {
            Assert.Equal("completed", job.Status);
            Assert.Equal(1, job.AudioFiles);
            // A runner whose answer from the grain was lost completed it without saying so; none completed it twice.
            Assert.InRange(job.CompletedLines, 0, 1);
            Assert.Equal(1, job.UsageRows);
        });

        JobCheck Check(string id, string status) => new(id, status,
            Directory.Exists(Path.Combine(system.JobStore, "jobs", id)) ? Directory.GetFiles(Path.Combine(system.JobStore, "jobs", id), "audio.*").Length : 0,
            system.System.Frontend!.Process.Output.Split('\n').Count(l => l.Contains($"Job {id}: completed", StringComparison.Ordinal)), 0);

        async Task<JobCheck> WaitForJobAsync(HttpClient http, string id)
        {
            var status = await Eventually.HoldsAsync(async () =>
            {
                using var response = await http.GetAsync($"/v1/audio/jobs/{id}");
                return response.StatusCode == HttpStatusCode.OK
                    ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString()!
                    : $"HTTP {(int)response.StatusCode}";
            }, s => s is "completed" or "failed", TimeSpan.FromSeconds(60), $"job {id} to end");
            return Check(id, status);
        }
    }

    private static IReadOnlyList<string> JobArguments =>
    [
        // Short leases and fast polling, as the jobs tests use: a job whose run stalls is taken over within seconds.
        "--Jobs:LeaseDuration=00:00:03",
        "--Jobs:PollInterval=00:00:00.500",
        "--Jobs:RetryDelay=00:00:00.500",
    ];

    private sealed record JobCheck(string Id, string Status, int AudioFiles, int CompletedLines, int UsageRows);

    private sealed record Usage(int Rows, int Charged, long Characters, IReadOnlyList<string> RequestIds);

    /// <summary>Submits a job as a client does: a 503 (cluster unavailable, retry shortly) is retried, a few times, and counted.</summary>
    private static async Task<(string Id, List<string> Refusals)> SubmitJobAsync(HttpClient client, int i, Stopwatch clock)
    {
        var refusals = new List<string>();
        for (var attempt = 1; ; attempt++)
        {
            var sentAt = clock.Elapsed;
            using var response = await client.PostAsJsonAsync("/v1/audio/jobs", new
            {
                input = string.Join(" ", Enumerable.Repeat(Text(i), 4)),
                voice = "onyx",
                response_format = "wav",
            });
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                refusals.Add($"503 after {(clock.Elapsed - sentAt).TotalSeconds:F1} s (sent at {sentAt.TotalSeconds:F1} s): {text}");
                await Task.Delay(TimeSpan.FromSeconds(1));
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /v1/audio/jobs answered {(int)response.StatusCode}: {text}");
            return (JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!, refusals);
        }
    }

    /// <summary>The tenant's usage rows of one endpoint, once the frontend's background recorder has written at least <paramref name="atLeast"/>.</summary>
    private static async Task<Usage> UsageAsync(string connectionString, string tenant, string endpoint, int atLeast)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await Eventually.HoldsAsync(async () =>
        {
            await using var command = dataSource.CreateCommand(
                "SELECT request_id, characters FROM usage_records WHERE tenant_id = $1 AND endpoint = $2");
            command.Parameters.AddWithValue(tenant);
            command.Parameters.AddWithValue(endpoint);
            var rows = new List<(string Id, int Characters)>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetInt32(1)));
            }

            return new Usage(rows.Count, rows.Count(r => r.Characters > 0), rows.Sum(r => (long)r.Characters), [.. rows.Select(r => r.Id)]);
        }, usage => usage.Rows >= atLeast, TimeSpan.FromSeconds(20), $"{atLeast} usage rows for {endpoint}");
    }

    /// <summary>The rows once there are <paramref name="expected"/> (the recorder writes in the background), or what there is after the wait.</summary>
    private static async Task<Usage> UsageOrTimeoutAsync(string connectionString, string tenant, string endpoint, int expected)
    {
        try
        {
            return await UsageAsync(connectionString, tenant, endpoint, expected);
        }
        catch (TimeoutException)
        {
            return await UsageAsync(connectionString, tenant, endpoint, 0);
        }
    }

    private static int Count(IEnumerable<(SpeechLoad.Outcome Outcome, int Characters)> all, SpeechLoad.Kind kind) => all.Count(o => o.Outcome.Kind == kind);

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}

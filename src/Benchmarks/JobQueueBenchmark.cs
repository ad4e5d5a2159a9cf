using System.Diagnostics;
using System.Globalization;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Jobs;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// What one frontend's job poll costs as the queue grows: the poll the worker makes (claim as many waiting jobs as it
/// has room for, claim the due ones, read the backlog figures) against a private PostgreSQL holding 100, then 10,000
/// queued jobs (plus as many finished ones waiting for their expiry), side by side. Each poll's claimed jobs are put
/// back, so the queue keeps its size. Bounded in count; loopback only.
/// </summary>
public static class JobQueueBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var polls = int.Parse(Option(args, "--polls", "300"), CultureInfo.InvariantCulture);
        var room = int.Parse(Option(args, "--room", "2"), CultureInfo.InvariantCulture);
        var data = Path.Combine(Path.GetTempPath(), "qwentts-jobqueue-" + Guid.NewGuid().ToString("N")[..8]);
        await using var system = new LocalSystem(new LocalSystemOptions { DataDirectory = data, Ephemeral = true, ClusterId = "jobqueue" });
        await system.StartPostgresAsync();
        await using var dataSource = NpgsqlDataSource.Create(system.ConnectionString);
        var schedule = new JobSchedule(dataSource);

        Console.WriteLine($"Job poll: {polls} polls per size, a frontend with room for {room} job(s), private PostgreSQL on loopback.");
        var results = new List<(int Queued, double P50, double P95, double Rows)>();
        foreach (var queued in new[] { 100, 10_000 })
        {
            await FillAsync(dataSource, queued);
            var times = new List<double>();
            long rows = 0;
            for (var i = 0; i < polls; i++)
            {
                var now = DateTimeOffset.UtcNow;
                var watch = Stopwatch.StartNew();
                var taken = await schedule.ClaimWaitingAsync(room, now, now.AddSeconds(30));
                var due = await schedule.ClaimDueAsync(64, now, now.AddSeconds(30));
                var backlog = await schedule.BacklogAsync();
                times.Add(watch.Elapsed.TotalMilliseconds);
                rows += taken.Count + due.Count;
                if (backlog.Queued + taken.Count != queued)
                {
                    throw new InvalidOperationException($"the queue holds {backlog.Queued + taken.Count}, not {queued}");
                }

                foreach (var id in taken)
                {
                    await schedule.RescheduleAsync(id, now, "queued", waiting: true); // back in the queue, not timed
                }
            }

            times.Sort();
            results.Add((queued, times[times.Count / 2], times[(int)(times.Count * 0.95)], rows / (double)polls));
            Console.WriteLine($"  {queued,6} queued (+{queued} completed awaiting expiry): poll p50 {times[times.Count / 2]:F2} ms, p95 {times[(int)(times.Count * 0.95)]:F2} ms, " +
                $"{rows / (double)polls:F1} jobs handed to the worker per poll (grain calls), 1 backlog aggregate");
        }

        Console.WriteLine($"job poll cost, 10,000 queued vs 100: {results[1].P50 / results[0].P50:F2}x p50, grain calls per poll {results[1].Rows:F0} " +
            $"(the job-index grain this replaces had every poll read every job's grain: {2 * results[1].Queued} calls here)");
        return 0;
    }

    /// <summary>The table holds <paramref name="queued"/> waiting jobs and as many completed ones due only when their audio expires (in a day).</summary>
    private static async Task FillAsync(NpgsqlDataSource dataSource, int queued)
    {
        await using (var clear = dataSource.CreateCommand("TRUNCATE audio_job_schedule"))
        {
            await clear.ExecuteNonQueryAsync();
        }

        await using var fill = dataSource.CreateCommand(
            "INSERT INTO audio_job_schedule (job_id, waiting, due_at, status, created_at) " +
            "SELECT 'job_q' || n, true, now() - interval '1 hour', 'queued', now() - interval '1 hour' + n * interval '1 ms' FROM generate_series(1, @n) AS n " +
            "UNION ALL SELECT 'job_c' || n, false, now() + interval '1 day', 'completed', now() - interval '2 hours' FROM generate_series(1, @n) AS n");
        fill.Parameters.AddWithValue("n", queued);
        await fill.ExecuteNonQueryAsync();
        await using var analyze = dataSource.CreateCommand("ANALYZE audio_job_schedule");
        await analyze.ExecuteNonQueryAsync();
    }
}

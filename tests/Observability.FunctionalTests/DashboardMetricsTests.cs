using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using QwenTts.LocalHosting;
using QwenTts.TestSupport;

namespace QwenTts.Observability.FunctionalTests;

/// <summary>
/// Every query of the dashboard and every alert rule names metrics that the running frontend or silos really export on
/// /metrics (scraped after a request, as Prometheus would), so no panel is empty and no alert waits on a series that
/// never comes. Counters that alerts read are published at zero, so they are there before their first event.
/// </summary>
[Collection(TracedSystemCollection.Name)]
public sealed class DashboardMetricsTests(TracedSystemFixture fixture, ITestOutputHelper output)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task Every_dashboard_and_alert_query_names_a_metric_the_frontend_or_a_silo_exports()
    {
        using (var client = fixture.System.Client(fixture.Key))
        {
            using var response = await client.PostAsJsonAsync("/v1/audio/speech", new { input = "Something to measure.", voice = "alloy", response_format = "pcm" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        }

        var frontend = fixture.System.System.Frontend!;
        var sources = new List<(string Process, Uri Metrics)> { ("frontend", new Uri(frontend.OperatorAddress!, "/metrics")) };
        sources.AddRange(fixture.System.System.Silos.Select(s => (s.Name, new Uri(s.BaseAddress, "/metrics"))));
        var queries = MonitoringFiles.DashboardQueries().Select(q => ($"dashboard panel '{q.Panel}'", q.Expression))
            .Concat(MonitoringFiles.Alerts().Select(a => ($"alert {a.Alert}", a.Expression)))
            .ToList();
        var wanted = queries.SelectMany(q => PromQl.MetricNames(q.Expression)).ToHashSet();

        // Scraped until every series a query reads is there (the first request's series come with the next collection).
        var exported = await Eventually.HoldsAsync(async () =>
        {
            var names = new Dictionary<string, string>();
            foreach (var (process, metrics) in sources)
            {
                foreach (var name in SampleNames(await Http.GetStringAsync(metrics)))
                {
                    names.TryAdd(name, process);
                }
            }

            return names;
        }, names => wanted.All(names.ContainsKey), TimeSpan.FromSeconds(30), "every metric the dashboard and the alert rules read");

        foreach (var (what, expression) in queries)
        {
            var names = PromQl.MetricNames(expression);
            Assert.True(names.Count > 0, $"{what} reads no metric: {expression}");
            output.WriteLine($"{what}: {string.Join(", ", names.Select(n => $"{n} ({exported[n]})"))}");
        }

        // The cards' engine counters come from the silos, the cluster's card table from the frontend.
        Assert.StartsWith("silo-", exported["qwentts_engine_non_finite_total"], StringComparison.Ordinal);
        Assert.Equal("frontend", exported["qwentts_device_health"]);
    }

    [Fact]
    public async Task Every_kind_an_autoscaler_reads_is_exported_even_with_no_card_of_it()
    {
        // deploy/k8s/autoscaling.yaml's queries, each on one kind; this cluster's cards are all of one kind, so the others
        // (nvidia, which may sit at zero replicas) must still be on /metrics for KEDA to start a first silo.
        var queries = System.Text.RegularExpressions.Regex.Matches(
            File.ReadAllText(Path.Combine(RepositoryLayout.Root, "deploy", "k8s", "autoscaling.yaml")), @"query: max\((\w+)\{kind=""(\w+)""\}\)");
        Assert.Equal(3, queries.Count);
        var metrics = new Uri(fixture.System.System.Frontend!.OperatorAddress!, "/metrics");
        var cardKinds = await Eventually.HoldsAsync(async () => KindsOf(await Http.GetStringAsync(metrics), "qwentts_capacity_cards"),
            k => k.Values.Any(c => c > 0), TimeSpan.FromSeconds(30), "the cluster's cards on /metrics");
        output.WriteLine("cards by kind: " + string.Join(", ", cardKinds.Select(k => $"{k.Key}={k.Value}")));

        var exposition = await Http.GetStringAsync(metrics);
        foreach (var query in queries.Cast<System.Text.RegularExpressions.Match>())
        {
            var kinds = KindsOf(exposition, query.Groups[1].Value);
            Assert.True(kinds.ContainsKey(query.Groups[2].Value), $"{query.Value}: no series for kind {query.Groups[2].Value}");
        }

        Assert.Contains(cardKinds, k => k.Value == 0); // at least one kind the autoscaler reads is absent here, yet exported
    }

    /// <summary>A gauge's value per kind label in a Prometheus text exposition.</summary>
    private static Dictionary<string, double> KindsOf(string exposition, string metric) => exposition.Split('\n')
        .Select(line => System.Text.RegularExpressions.Regex.Match(line, "^" + metric + @"\{[^}]*kind=""(\w+)""[^}]*\} (\S+)"))
        .Where(m => m.Success)
        .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_first_audio_histogram_has_a_bucket_at_the_alerts_target()
    {
        using (var client = fixture.System.Client(fixture.Key))
        {
            using var response = await client.PostAsJsonAsync("/v1/audio/speech", new { input = "Timed.", voice = "alloy", response_format = "pcm" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var metrics = new Uri(fixture.System.System.Frontend!.OperatorAddress!, "/metrics");
        var bounds = await Eventually.HoldsAsync(async () => (await Http.GetStringAsync(metrics)).Split('\n')
                .Where(l => l.StartsWith("qwentts_speech_time_to_first_audio_seconds_bucket{", StringComparison.Ordinal))
                .Select(l => System.Text.RegularExpressions.Regex.Match(l, "le=\"([^\"]+)\"").Groups[1].Value)
                .Where(le => le != "+Inf")
                .Select(le => double.Parse(le, CultureInfo.InvariantCulture))
                .ToHashSet(),
            b => b.Count > 0, TimeSpan.FromSeconds(30), "the first-audio histogram");

        var rule = MonitoringFiles.Alerts().Single(a => a.Alert == "QwenTtsFirstAudioSlow").Expression;
        var target = double.Parse(System.Text.RegularExpressions.Regex.Match(rule, @">\s*([0-9.]+)\s*$").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Contains(target, bounds);
        Assert.Contains(bounds, b => b < target / 2);
    }

    /// <summary>The names of the samples in a Prometheus text exposition (histograms as their _bucket, _sum and _count).</summary>
    private static IEnumerable<string> SampleNames(string exposition) => exposition.Split('\n')
        .Where(line => line.Length > 0 && line[0] != '#')
        .Select(line => line[..line.IndexOfAny(['{', ' '])]);
}

using System.Diagnostics;
using System.Text.Json;
using QwenTts.LocalHosting;
using YamlDotNet.RepresentationModel;

namespace QwenTts.Observability.FunctionalTests;

/// <summary>
/// deploy/monitoring under the tools that will read it: promtool checks the rules and runs their unit tests on
/// synthetic series (deploy/local/setup.sh --tests unpacks promtool from Debian's prometheus package); every alert has
/// a test that fires it and a runbook section; the dashboard is provisioned by the monitoring kustomization.
/// </summary>
public sealed class AlertRuleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_alert_rules_are_valid_and_pass_their_promtool_tests()
    {
        var check = await PromtoolAsync("check", "rules", MonitoringFiles.Rules);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);

        var test = await PromtoolAsync("test", "rules", MonitoringFiles.RuleTests);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_is_fired_by_a_promtool_test_and_has_a_runbook_section()
    {
        var alerts = MonitoringFiles.Alerts().Select(a => a.Alert).ToList();
        var fired = MonitoringFiles.Sequence(MonitoringFiles.Load(MonitoringFiles.RuleTests), "tests")
            .SelectMany(test => MonitoringFiles.Sequence(test, "alert_rule_test"))
            .Where(check => MonitoringFiles.Sequence(check, "exp_alerts").Any())
            .Select(check => MonitoringFiles.Text(check, "alertname"))
            .ToHashSet();
        var runbook = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "deploy", "RUNBOOK.md"));

        Assert.True(alerts.Count >= 10, string.Join(", ", alerts));
        Assert.Equal(alerts.Count, alerts.Distinct().Count());
        Assert.DoesNotContain(alerts, a => !fired.Contains(a));
        Assert.DoesNotContain(alerts, a => !runbook.Contains($"\n### {a}\n", StringComparison.Ordinal));
        foreach (var rule in MonitoringFiles.Sequence(MonitoringFiles.Load(MonitoringFiles.Rules), "groups").SelectMany(g => MonitoringFiles.Sequence(g, "rules")))
        {
            var annotations = rule.Children[new YamlScalarNode("annotations")];
            Assert.Equal($"deploy/RUNBOOK.md#{MonitoringFiles.Text(rule, "alert").ToLowerInvariant()}", MonitoringFiles.Text(annotations, "runbook"));
        }
    }

    [Fact]
    public void The_dashboard_is_provisioned_by_a_configmap_grafana_picks_up()
    {
        var kustomization = MonitoringFiles.Load(Path.Combine(MonitoringFiles.Folder, "kustomization.yaml"));
        var generator = Assert.Single(MonitoringFiles.Sequence(kustomization, "configMapGenerator"),
            g => MonitoringFiles.Text(g, "name") == "qwentts-grafana-dashboard");
        var files = ((YamlSequenceNode)generator.Children[new YamlScalarNode("files")])
            .Children.Select(f => ((YamlScalarNode)f).Value).ToList();
        Assert.Equal(["qwentts-dashboard.json"], files);
        var options = (YamlMappingNode)generator.Children[new YamlScalarNode("options")];
        Assert.Equal("1", MonitoringFiles.Text(options.Children[new YamlScalarNode("labels")], "grafana_dashboard"));
        Assert.Single(MonitoringFiles.Sequence(kustomization, "configMapGenerator"), g => MonitoringFiles.Text(g, "name") == "qwentts-alert-rules");

        // What the dashboard shows: the panels the issue asks for, each with a query.
        using var dashboard = JsonDocument.Parse(File.ReadAllText(MonitoringFiles.Dashboard));
        var titles = dashboard.RootElement.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("title").GetString()!).ToList();
        foreach (var wanted in new[] { "Requests by tenant", "Cards in rotation by kind", "Time to first audio", "Throughput vs capacity", "Admission queue and queued work", "Failovers" })
        {
            Assert.Contains(wanted, titles);
        }

        Assert.All(MonitoringFiles.DashboardQueries(), q => Assert.False(string.IsNullOrWhiteSpace(q.Expression), q.Panel));
    }

    private async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] arguments)
    {
        var local = Path.Combine(RepositoryLayout.Root, ".local", "tools", "promtool");
        var promtool = File.Exists(local) ? local : "promtool";
        var start = new ProcessStartInfo(promtool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = MonitoringFiles.Folder };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("promtool not found: run ./deploy/local/setup.sh --tests (it unpacks it into .local/tools)", ex);
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var text = await stdout + await stderr;
            output.WriteLine($"promtool {string.Join(' ', arguments)}:\n{text}");
            return (process.ExitCode, text);
        }
    }
}

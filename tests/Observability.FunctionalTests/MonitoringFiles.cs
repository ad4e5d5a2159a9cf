using System.Text.Json;
using QwenTts.LocalHosting;
using YamlDotNet.RepresentationModel;

namespace QwenTts.Observability.FunctionalTests;

/// <summary>deploy/monitoring read as the tools read it: the rule file's alerts and expressions, the dashboard's queries.</summary>
public static class MonitoringFiles
{
    public static string Folder => Path.Combine(RepositoryLayout.Root, "deploy", "monitoring");

    public static string Rules => Path.Combine(Folder, "qwentts-alerts.yaml");

    public static string RuleTests => Path.Combine(Folder, "qwentts-alerts.test.yaml");

    public static string Dashboard => Path.Combine(Folder, "qwentts-dashboard.json");

    /// <summary>Every alerting rule: its name and expression.</summary>
    public static IReadOnlyList<(string Alert, string Expression)> Alerts() =>
        [.. Sequence(Load(Rules), "groups").SelectMany(group => Sequence(group, "rules"))
            .Select(rule => (Text(rule, "alert"), Text(rule, "expr")))];

    /// <summary>Every panel query of the dashboard: the panel's title and the expression.</summary>
    public static IReadOnlyList<(string Panel, string Expression)> DashboardQueries()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Dashboard));
        return [.. document.RootElement.GetProperty("panels").EnumerateArray()
            .Where(panel => panel.GetProperty("type").GetString() != "row")
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray()
                .Select(target => (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!)))];
    }

    public static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static IEnumerable<YamlMappingNode> Sequence(YamlNode node, string key) =>
        ((YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Children.Cast<YamlMappingNode>();

    public static string Text(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value!;

    public static bool Has(YamlNode node, string key) => ((YamlMappingNode)node).Children.ContainsKey(new YamlScalarNode(key));
}

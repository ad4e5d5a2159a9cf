using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;
using YamlDotNet.RepresentationModel;

namespace QwenTts.Cluster.UnitTests;

/// <summary>
/// deploy/k8s/autoscaling.yaml parsed as YAML (no kubectl here): one KEDA ScaledObject per silo StatefulSet, each on
/// the queued-work metric the frontends export, for its own card kind, with sane bounds.
/// </summary>
public sealed class AutoscalingManifestTests
{
    private static readonly string K8s = Path.Combine(RepositoryRoot(), "deploy", "k8s");

    [Fact]
    public void Every_silo_statefulset_has_a_scaledobject_on_the_queued_work_of_its_own_card_kind()
    {
        var silos = Directory.GetFiles(K8s, "silo-*.yaml").SelectMany(Documents)
            .Where(d => Text(d, "kind") == "StatefulSet")
            .ToDictionary(d => Text(d, "metadata", "name"), d => Text(d, "spec", "selector", "matchLabels", "accelerator"));
        var scaled = Documents(Path.Combine(K8s, "autoscaling.yaml")).ToList();
        var metric = KindCapacity.QueuedWorkMetric.Replace('.', '_');

        Assert.Equal(3, silos.Count);
        Assert.Equal(silos.Keys.Order(), scaled.Select(d => Text(d, "spec", "scaleTargetRef", "name")).Order());
        foreach (var document in scaled)
        {
            Assert.Equal("keda.sh/v1alpha1", Text(document, "apiVersion"));
            Assert.Equal("ScaledObject", Text(document, "kind"));
            Assert.Equal("StatefulSet", Text(document, "spec", "scaleTargetRef", "kind"));
            var kind = silos[Text(document, "spec", "scaleTargetRef", "name")];
            var trigger = Assert.Single(((YamlSequenceNode)Node(document, "spec", "triggers")).Children.Cast<YamlMappingNode>());
            Assert.Equal("prometheus", Text(trigger, "type"));
            Assert.Equal($"max({metric}{{kind=\"{kind}\"}})", Text(trigger, "metadata", "query"));
            Assert.True(double.Parse(Text(trigger, "metadata", "threshold"), System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.InRange(int.Parse(Text(document, "spec", "minReplicaCount")), 0, int.Parse(Text(document, "spec", "maxReplicaCount")));
            Assert.Equal("300", Text(document, "spec", "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleDown", "stabilizationWindowSeconds"));
        }
    }

    [Fact]
    public void A_scaledobject_that_may_sit_at_zero_replicas_reads_a_series_exported_while_its_kind_has_no_card()
    {
        var scaled = Documents(Path.Combine(K8s, "autoscaling.yaml")).ToList();
        var fromZero = scaled.Where(d => Text(d, "spec", "minReplicaCount") == "0").ToList();
        Assert.NotEmpty(fromZero); // the manifest's nvidia silos start from none

        foreach (var document in fromZero)
        {
            var trigger = ((YamlSequenceNode)Node(document, "spec", "triggers")).Children.Cast<YamlMappingNode>().Single();
            var kind = System.Text.RegularExpressions.Regex.Match(Text(trigger, "metadata", "query"), "kind=\"([a-z]+)\"").Groups[1].Value;
            var activation = double.Parse(Text(trigger, "metadata", "activationThreshold"), System.Globalization.CultureInfo.InvariantCulture);

            // The frontends' export for a cluster with none of that kind: one card of another kind, full, and a request
            // of 20 s of audio waiting at the router. The series is there, and above KEDA's activation threshold.
            var others = new DeviceLoad
            {
                Device = new DeviceId("silo", 0), Kind = Enum.GetValues<DeviceKind>().First(k => k.ToString().ToLowerInvariant() != kind),
                Model = "m", Provider = "p", MaxConcurrent = 1, QueueLimit = 0, Active = 1, FramesPerSecond = 12.5,
            };
            var absent = Assert.Single(KindCapacity.Of([others], unplacedFrames: 250), k => k.Kind == kind);
            Assert.Equal(0, absent.Cards);
            Assert.True(absent.QueuedWorkSeconds > activation, $"{kind}: {absent.QueuedWorkSeconds} s of waiting work, activation at {activation}");
            Assert.Equal(0, KindCapacity.Of([others]).Single(k => k.Kind == kind).QueuedWorkSeconds); // and nothing without it
        }
    }

    private static IEnumerable<YamlMappingNode> Documents(string path)
    {
        var stream = new YamlStream();
        using var reader = File.OpenText(path);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
    }

    private static YamlNode Node(YamlNode node, params string[] path) =>
        path.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children[new YamlScalarNode(key)]);

    private static string Text(YamlNode node, params string[] path) => ((YamlScalarNode)Node(node, path)).Value!;

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "QwenTts.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("QwenTts.sln not found above the test's folder");
    }
}

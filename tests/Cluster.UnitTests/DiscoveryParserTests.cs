using QwenTts.Devices.Discovery;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

/// <summary>The vendor tools' text output parsed into cards. The samples in TestData are hand-written after the documented layouts, not captures (see TestData/README.md).</summary>
public sealed class DiscoveryParserTests
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", name));

    [Fact]
    public void Npu_smi_info_lists_each_ascend_npu_with_health_and_hbm_but_not_the_process_table()
    {
        var cards = NpuSmiParser.Parse(Sample("npu-smi-info-910b.txt"));

        Assert.Equal([0, 1, 2, 3], cards.Select(c => c.PhysicalIndex));
        Assert.All(cards, c => Assert.Equal(DeviceKind.Ascend, c.Kind));
        Assert.All(cards, c => Assert.Equal("Ascend 910B3", c.Model));
        Assert.All(cards, c => Assert.Equal(65536L << 20, c.MemoryBytes));
        Assert.Equal(20480L << 20, cards[2].MemoryUsedBytes);
        Assert.Equal("Warning", cards[2].Health);
    }

    [Fact]
    public void Hy_smi_lists_each_hygon_dcu_with_memory_from_showmeminfo()
    {
        var cards = HySmiParser.Parse(Sample("hy-smi.txt"), Sample("hy-smi-meminfo.txt"));

        Assert.Equal([0, 1, 2, 3], cards.Select(c => c.PhysicalIndex));
        Assert.All(cards, c => Assert.Equal(DeviceKind.Hygon, c.Kind));
        Assert.All(cards, c => Assert.Equal(68702699520L, c.MemoryBytes));
        Assert.Equal(25420075008L, cards[1].MemoryUsedBytes);
        Assert.Equal("Normal", cards[0].Health);
    }

    [Fact]
    public void Hy_smi_without_memory_info_still_lists_the_cards()
    {
        var cards = HySmiParser.Parse(Sample("hy-smi.txt"));

        Assert.Equal(4, cards.Count);
        Assert.All(cards, c => Assert.Equal(0, c.MemoryBytes));
    }

    [Fact]
    public void Nvidia_smi_query_output_lists_each_gpu()
    {
        var cards = NvidiaSmiParser.Parse(Sample("nvidia-smi-query.csv"));

        Assert.Equal([0, 1], cards.Select(c => c.PhysicalIndex));
        Assert.Equal("NVIDIA H100 80GB HBM3", cards[0].Model);
        Assert.Equal(81559L << 20, cards[0].MemoryBytes);
        Assert.Equal(40215L << 20, cards[1].MemoryUsedBytes);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("2,0", "2:0,0:1")]
    [InlineData("3, 1", "3:0,1:1")]
    [InlineData("1,x,2", "1:0")]
    [InlineData("1,1,2", "1:0,2:1")]
    public void Visible_devices_renumber_the_listed_cards_from_zero(string? value, string? expected)
    {
        var map = VisibleDevices.Parse(value);

        Assert.Equal(expected, map is null ? null : string.Join(",", map.Select(p => $"{p.Key}:{p.Value}")));
    }

    [Fact]
    public async Task Discovery_honours_visible_devices_and_says_why_it_finds_nothing()
    {
        var probe = new FakeProbe
        {
            Tools = { ["npu-smi"] = (0, Sample("npu-smi-info-910b.txt")) },
            Variables = { [VisibleDevices.Ascend] = "2,0" },
            Files = { ["/dev/davinci*"] = ["/dev/davinci0", "/dev/davinci1", "/dev/davinci2", "/dev/davinci3"], ["/dev/kfd"] = ["/dev/kfd"] },
        };

        var report = await new DeviceDiscovery(probe).DiscoverAsync();

        Assert.Equal([(0, 1), (2, 0)], report.Cards.Select(c => (c.Card.PhysicalIndex, c.RuntimeDeviceId)));
        Assert.Contains(report.Notes, n => n.Contains("ASCEND_RT_VISIBLE_DEVICES=2,0 leaves 2 of 4", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.Contains("/dev/kfd present but hy-smi is not installed", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.Contains("Nvidia: no nvidia-smi", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_tool_or_missing_device_files_are_reported()
    {
        var probe = new FakeProbe
        {
            Tools = { ["npu-smi"] = (255, "dcmi module initialize failed. ret is -8005"), ["nvidia-smi"] = (0, Sample("nvidia-smi-query.csv")) },
        };

        var report = await new DeviceDiscovery(probe).DiscoverAsync();

        Assert.Equal(2, report.Cards.Count);
        Assert.Contains(report.Notes, n => n.Contains("npu-smi failed (exit 255): dcmi module initialize failed", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.Contains("mount the device files", StringComparison.Ordinal));
    }

    private sealed class FakeProbe : ISystemProbe
    {
        public Dictionary<string, (int, string)> Tools { get; } = [];

        public Dictionary<string, string> Variables { get; } = [];

        public Dictionary<string, string[]> Files { get; } = [];

        public Task<(int ExitCode, string Output)?> RunAsync(string tool, string arguments, CancellationToken cancellationToken) =>
            Task.FromResult<(int, string)?>(Tools.TryGetValue(tool, out var result) && !arguments.Contains("showmeminfo", StringComparison.Ordinal) ? result : null);

        public string? Environment(string name) => Variables.GetValueOrDefault(name);

        public IReadOnlyList<string> DeviceFiles(string pattern) => Files.GetValueOrDefault(pattern) ?? [];
    }
}

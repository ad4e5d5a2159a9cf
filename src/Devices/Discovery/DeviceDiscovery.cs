using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Discovery;

/// <summary>A card found on the host, with the device id its runtime uses after visible-devices renumbering.</summary>
public sealed record VisibleCard(DiscoveredCard Card, int RuntimeDeviceId);

/// <summary>What discovery found, and in words why it found nothing where it found nothing.</summary>
public sealed record DiscoveryReport(IReadOnlyList<VisibleCard> Cards, IReadOnlyList<string> Notes);

/// <summary>
/// Finds Ascend NPUs (npu-smi, /dev/davinci*), Hygon DCUs (hy-smi, /dev/kfd) and NVIDIA GPUs (nvidia-smi), honouring
/// ASCEND_RT_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES.
/// </summary>
public sealed class DeviceDiscovery(ISystemProbe probe)
{
    public async Task<DiscoveryReport> DiscoverAsync(CancellationToken cancellationToken = default)
    {
        var cards = new List<VisibleCard>();
        var notes = new List<string>();

        await DiscoverAsync(DeviceKind.Ascend, "npu-smi", "info", "/dev/davinci*", VisibleDevices.Ascend,
            (output, _) => NpuSmiParser.Parse(output), null, cards, notes, cancellationToken);
        await DiscoverAsync(DeviceKind.Hygon, "hy-smi", "", "/dev/kfd", VisibleDevices.Hygon,
            HySmiParser.Parse, "--showmeminfo vram", cards, notes, cancellationToken);
        await DiscoverAsync(DeviceKind.Nvidia, "nvidia-smi", NvidiaSmiParser.Arguments, "/dev/nvidia[0-9]*", VisibleDevices.Nvidia,
            (output, _) => NvidiaSmiParser.Parse(output), null, cards, notes, cancellationToken);
        return new DiscoveryReport(cards, notes);
    }

    private async Task DiscoverAsync(DeviceKind kind, string tool, string arguments, string devicePattern, string visibleVariable,
        Func<string, string?, IReadOnlyList<DiscoveredCard>> parse, string? detailArguments,
        List<VisibleCard> cards, List<string> notes, CancellationToken cancellationToken)
    {
        var deviceFiles = probe.DeviceFiles(devicePattern.Replace("[0-9]", "", StringComparison.Ordinal));
        var result = await probe.RunAsync(tool, arguments, cancellationToken);
        if (result is null)
        {
            notes.Add(deviceFiles.Count > 0
                ? $"{kind}: {string.Join(", ", deviceFiles)} present but {tool} is not installed (install the vendor driver tools)."
                : $"{kind}: no {tool} and no {devicePattern}: none on this host.");
            return;
        }

        if (result.Value.ExitCode != 0)
        {
            notes.Add($"{kind}: {tool} failed (exit {result.Value.ExitCode}): {FirstLine(result.Value.Output)} — is the driver loaded?");
            return;
        }

        var detail = detailArguments is null ? null : (await probe.RunAsync(tool, detailArguments, cancellationToken))?.Output;
        var found = parse(result.Value.Output, detail);
        if (found.Count == 0)
        {
            notes.Add($"{kind}: {tool} ran but listed no card.");
            return;
        }

        var visible = VisibleDevices.Parse(probe.Environment(visibleVariable));
        foreach (var card in found.OrderBy(c => c.PhysicalIndex))
        {
            if (visible is null)
            {
                cards.Add(new VisibleCard(card, card.PhysicalIndex));
            }
            else if (visible.TryGetValue(card.PhysicalIndex, out var runtimeId))
            {
                cards.Add(new VisibleCard(card, runtimeId));
            }
        }

        if (visible is not null)
        {
            notes.Add($"{kind}: {visibleVariable}={probe.Environment(visibleVariable)} leaves {cards.Count(c => c.Card.Kind == kind)} of {found.Count} card(s) visible.");
        }

        if (deviceFiles.Count == 0)
        {
            notes.Add($"{kind}: {tool} lists cards but {devicePattern} is absent: in a container, mount the device files.");
        }
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
}

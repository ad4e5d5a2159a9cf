using QwenTts.Devices.Cards;
using QwenTts.Engine.Runtime;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

/// <summary>The rows and lanes a card batches with when the settings leave them open: every seat has a row.</summary>
public sealed class CardBatchShapeTests
{
    [Theory]
    [InlineData(DeviceKind.Cpu, ExecutionProviderKind.Cpu, null, null, 5, 2, 3, 2)]      // a lane per core, the seats spread over them
    [InlineData(DeviceKind.Cpu, ExecutionProviderKind.Cpu, null, null, 1, 16, 1, 1)]     // never more lanes than seats
    [InlineData(DeviceKind.Hygon, ExecutionProviderKind.Cpu, null, null, 5, 2, 3, 2)]    // an emulated DCU runs on the CPU
    [InlineData(DeviceKind.Nvidia, ExecutionProviderKind.Cuda, null, null, 9, 16, 9, 1)] // an accelerator: one run for every seat
    [InlineData(DeviceKind.Ascend, ExecutionProviderKind.Cann, null, null, 5, 16, 5, 1)]
    [InlineData(DeviceKind.Hygon, ExecutionProviderKind.Rocm, null, null, 5, 16, 2, 3)]  // 2 rows a lane on a real DCU, lanes enough for every seat
    [InlineData(DeviceKind.Hygon, ExecutionProviderKind.Rocm, 4, null, 5, 16, 4, 2)]     // a card's BatchRows wins
    [InlineData(DeviceKind.Nvidia, ExecutionProviderKind.Cuda, 4, 3, 5, 16, 4, 3)]      // so does BatchLanes
    [InlineData(DeviceKind.Nvidia, ExecutionProviderKind.Cuda, 1, null, 5, 16, 1, 1)]    // one row: no lanes
    public void Rows_and_lanes_follow_the_card_kind_unless_set(DeviceKind kind, ExecutionProviderKind provider, int? rows, int? lanes, int seats,
        int processors, int expectedRows, int expectedLanes)
    {
        Assert.Equal((expectedRows, expectedLanes), CardBatchShape.For(kind, provider, rows, lanes, seats, processors));
    }
}

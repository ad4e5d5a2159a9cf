using QwenTts.Engine.Runtime;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Cards;

/// <summary>
/// The rows and lanes a card batches with where <c>Devices:BatchRows</c>, <c>Devices:Cards:N:BatchRows</c> and
/// <c>Devices:BatchLanes</c> leave them open, so that every utterance the card runs at once (its seats) has a row:
/// - the CPU provider (an emulated card too): a lane per core, at most one per seat, the seats spread over them (a lane
///   runs its steps on one core);
/// - an accelerator: one lane with a row for every seat, so one run serves them all;
/// - a Hygon DCU: <see cref="HygonRows"/> rows a lane, as many lanes as seat everyone, until larger batches are measured
///   there (deployments of this model report kernel time-outs at batch 4 on DCUs).
/// </summary>
public static class CardBatchShape
{
    public const int HygonRows = 2;

    /// <param name="rows">The card's or the silo's BatchRows, if set (1: no lanes).</param>
    /// <param name="lanes">Devices:BatchLanes, if set.</param>
    public static (int Rows, int Lanes) For(DeviceKind kind, ExecutionProviderKind provider, int? rows, int? lanes, int seats, int processors)
    {
        seats = Math.Max(1, seats);
        rows ??= kind == DeviceKind.Hygon && provider != ExecutionProviderKind.Cpu ? HygonRows : null;
        if (rows is { } fixedRows && fixedRows <= 1)
        {
            return (1, 1);
        }

        var laneCount = lanes ?? (provider == ExecutionProviderKind.Cpu ? Math.Clamp(processors, 1, seats)
            : rows is { } perLane ? (seats + perLane - 1) / perLane : 1);
        laneCount = Math.Max(1, laneCount);
        return (rows ?? (seats + laneCount - 1) / laneCount, laneCount);
    }
}

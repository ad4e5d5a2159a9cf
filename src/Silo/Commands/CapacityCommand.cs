using System.Globalization;
using QwenTts.Devices;
using QwenTts.Routing;

namespace QwenTts.Silo.Commands;

/// <summary>
/// <c>QwenTts.Silo capacity --rate R --chars C --p99 S [--throughput ascend=46,hygon=36] [--frames-per-char F]
/// [--concurrency N] [--sentences N]</c>: how many cards of each kind serve a traffic profile within a p99 target
/// (<see cref="CapacityPlanner"/>), from measured throughput per card: given (from <c>bench</c>, the
/// <c>qwentts_capacity_frames_per_second</c> metric over <c>qwentts_capacity_cards</c>, or /v1/devices), or measured
/// here on this host's cards at the planned concurrency.
/// </summary>
public static class CapacityCommand
{
    private static readonly string[] Options = ["--rate", "--chars", "--p99", "--throughput", "--frames-per-char", "--concurrency", "--sentences"];

    public static async Task<int> RunAsync(string[] args)
    {
        double Number(string name, string? fallback = null) =>
            double.Parse(Option(args, name) ?? fallback ?? throw new ArgumentException($"{name} is required"), CultureInfo.InvariantCulture);

        CapacityPlanner.Profile profile;
        try
        {
            profile = new CapacityPlanner.Profile(Number("--rate"), Number("--chars"), Number("--p99"),
                Number("--frames-per-char", "0.85"), (int)Number("--concurrency", "4"));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"capacity: {ex.Message.TrimEnd('.')}. Usage: capacity --rate REQUESTS_PER_S --chars MEAN_CHARACTERS --p99 SECONDS " +
                                               "[--throughput KIND=FRAMES_PER_S,...] [--frames-per-char F] [--concurrency N] [--sentences N]");
            return 2;
        }

        var throughput = Option(args, "--throughput") is { } given ? Parse(given) : await MeasureAsync(args, profile.Concurrency);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Traffic: {profile.RequestsPerSecond} requests/s of {profile.CharactersPerRequest} characters ({profile.CharactersPerRequest * profile.FramesPerCharacter:F0} frames at {profile.FramesPerCharacter} a character), p99 target {profile.P99Seconds} s, {profile.Concurrency} utterances per card."));
        Console.WriteLine("| kind | frames/s per card | requests/s per card | cards needed | utilisation | predicted p99 |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (kind, framesPerSecond) in throughput)
        {
            var plan = CapacityPlanner.For(kind, framesPerSecond, profile);
            var outcome = plan.Cards is { } cards
                ? string.Create(CultureInfo.InvariantCulture, $"{cards} | {plan.Utilisation:P0} | {plan.PredictedP99Seconds:F2} s")
                : $"none: {plan.Why} | | ";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {plan.FramesPerSecondPerCard:F1} | {plan.RequestsPerSecondPerCard:F3} | {outcome} |"));
        }

        Console.WriteLine();
        Console.WriteLine("Each row: that kind alone serving the whole profile; a mixed rack serves the sum of its kinds' shares. Model: M/M/N over card slots (deploy/RUNBOOK.md, Scaling).");
        Console.WriteLine("A card must also hold the model and be ready in time: memory, load and warm-up per card at the real size are in models/README.md, \"Sizing a card\".");
        return 0;
    }

    /// <summary>"ascend=46,hygon=36" into (kind, frames/s per card).</summary>
    private static List<(string Kind, double FramesPerSecond)> Parse(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(pair =>
        {
            var parts = pair.Split('=', 2);
            return parts.Length == 2 && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var fps) && fps > 0
                ? (parts[0].ToLowerInvariant(), fps)
                : throw new FormatException($"--throughput takes KIND=FRAMES_PER_SECOND pairs, e.g. ascend=46,hygon=36; '{pair}' is not one");
        })];

    /// <summary>Frames/s of one card of each kind on this host at the planned concurrency (as <c>bench</c> measures).</summary>
    private static async Task<List<(string Kind, double FramesPerSecond)>> MeasureAsync(string[] args, int concurrency)
    {
        var sentences = (int)double.Parse(Option(args, "--sentences") ?? "12", CultureInfo.InvariantCulture);
        using var host = CommandHost.Build(WithoutOptions(args));
        var devices = host.Services.GetRequiredService<DeviceHost>();
        await devices.LoadAsync(CancellationToken.None);
        var measured = new List<(string, double)>();
        foreach (var card in devices.Cards.GroupBy(c => c.Kind).Select(g => g.First()))
        {
            await BenchCommand.MeasureAsync(card, 2, 2); // warm-up
            var result = await BenchCommand.MeasureAsync(card, concurrency, sentences);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Measured card {card.Spec.Index} ({card.Kind.ToString().ToLowerInvariant()}{(card.Emulated ? ", emulated" : "")}): {result.FramesPerSecond:F1} frames/s at {concurrency} at once, {result.Errors} errors."));
            measured.Add((card.Kind.ToString().ToLowerInvariant(), result.FramesPerSecond));
        }

        return measured;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string[] WithoutOptions(string[] args) =>
        [.. args.Where((a, i) => !Options.Contains(a) && (i == 0 || !Options.Contains(args[i - 1])))];
}

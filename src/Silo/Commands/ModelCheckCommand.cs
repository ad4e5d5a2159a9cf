using System.Globalization;
using QwenTts.Devices.Cards;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Silo.Commands;

/// <summary>
/// <c>QwenTts.Silo model-check DIR [--hf DIR] [--provider P] [--device N] [--deep]</c>: loads a model folder on the named
/// card and says whether it would serve there. One line per graph (path, precision, OK or every mismatch); with
/// --deep a short utterance proves the decode mask, finite outputs, static-shape codes, the streamed decode's distance
/// from the official one, and the time per graph. Exit 0 only when the model would serve on that card.
/// </summary>
public static class ModelCheckCommand
{
    public const string Usage = "usage: model-check DIR [--hf DIR] [--provider cpu|cuda|cann|rocm|migraphx] [--device N] [--deep] [--static-shapes on|off]";

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal) || args.Contains("--help"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var directory = args[0];
        var provider = new ExecutionProviderOptions
        {
            Kind = Enum.Parse<ExecutionProviderKind>(Option(args, "--provider") ?? "cpu", ignoreCase: true),
            DeviceId = int.Parse(Option(args, "--device") ?? "0", CultureInfo.InvariantCulture),
        };
        var staticShapes = Option(args, "--static-shapes") is { } toggle ? new StaticShapeOptions { Enabled = toggle == "on" } : null;
        Console.WriteLine($"model-check {directory} on {provider.Kind} device {provider.DeviceId}");

        SpeechSynthesizer synthesizer;
        try
        {
            SessionOptionsFactory.EnsureAvailable(provider);
            synthesizer = SpeechSynthesizer.Load(directory, provider, hfDirectory: Option(args, "--hf"), staticShapes: staticShapes);
        }
        catch (ModelValidationException ex)
        {
            PrintChecks(ex.Checks);
            Console.WriteLine(ex.Checks.Count == 0 ? "FAIL: " + ex.Message : $"FAIL: {ex.Checks.Sum(c => c.Mismatches.Count)} mismatch(es); the model would not serve.");
            return 1;
        }
        catch (ExecutionProviderUnavailableException ex)
        {
            Console.WriteLine("FAIL: " + ex.Message);
            return 1;
        }

        using (synthesizer)
        {
            var manifest = synthesizer.Manifest;
            Console.WriteLine($"model {manifest.Name}: {manifest.Variant}, talker {manifest.Talker.Hidden} wide x {manifest.Talker.Layers} layers, " +
                              $"max {manifest.Generation.MaxNewTokens} new frames" + (manifest.Miniature ? " (the miniature: noise, not speech)" : ""));
            PrintChecks([.. synthesizer.Sessions.Checks]);
            if (manifest.DefaultedFields.Count > 0)
            {
                Console.WriteLine($"config: not in the HF folder, the release's values used: {string.Join(", ", manifest.DefaultedFields)}");
            }
            Console.WriteLine($"static shapes: {(synthesizer.StaticShapes is null ? "off" : "on")} for {provider.Kind}");
            Console.WriteLine($"code predictor: {synthesizer.Acceleration.PredictorStatus}");
            Console.WriteLine($"embedding lookups: {synthesizer.Acceleration.Tables.Status}");
            if (synthesizer.StaticShapes is not null)
            {
                synthesizer.Acceleration.EnsureTalkerStep(synthesizer.Sessions);
            }

            Console.WriteLine($"talker step (static shapes; the CPU's engine talker): {synthesizer.Acceleration.TalkerStatus}");
            foreach (var line in CardFootprint.Lines(synthesizer, synthesizer.ReleaseExportGraphsNotRun(), ProcessMemory.Settled()))
            {
                Console.WriteLine(line);
            }

            Console.WriteLine(CardFootprint.WarmUp(synthesizer));
            if (!args.Contains("--deep"))
            {
                Console.WriteLine("OK: every graph matches; run with --deep to prove it on this card.");
                return 0;
            }

            var report = ModelSelfTest.Run(synthesizer, deep: true);
            foreach (var line in report.Lines())
            {
                Console.WriteLine(line);
            }

            Console.WriteLine($"peak-memory: {ProcessMemory.Gigabytes(ProcessMemory.Now().PeakBytes ?? 0)} resident at the most, load and every check " +
                              "above included (the deep checks reopen the export graphs they compare against)");
            // Continuous batching, as a card of this kind would run it by default (a card's 4 + 1 seats; --batch-rows sets the rows).
            var kind = provider.Kind switch
            {
                ExecutionProviderKind.Cann => DeviceKind.Ascend,
                ExecutionProviderKind.Rocm or ExecutionProviderKind.MIGraphX => DeviceKind.Hygon,
                ExecutionProviderKind.Cuda => DeviceKind.Nvidia,
                _ => DeviceKind.Cpu,
            };
            var rowsAsked = Option(args, "--batch-rows") is { } asked ? int.Parse(asked, CultureInfo.InvariantCulture) : (int?)null;
            var (rows, lanes) = CardBatchShape.For(kind, provider.Kind, rowsAsked, lanes: null, seats: 5, Environment.ProcessorCount);
            Console.WriteLine($"batching (as a {kind} card with 5 seats and no batch settings runs it): " +
                              synthesizer.EnableBatching(new Engine.Batching.BatchingOptions(rows, lanes)));
            Console.WriteLine(BatchedCodesCheck.Run(synthesizer, Math.Min(5, rows * lanes)));
            var serves = report.Serves(synthesizer.StaticShapes is not null);
            Console.WriteLine(serves ? "OK: the model would serve on this card." : "FAIL: the model would not serve on this card (see above).");
            return serves ? 0 : 1;
        }
    }

    private static void PrintChecks(IReadOnlyCollection<GraphCheck> checks)
    {
        foreach (var check in checks.OrderBy(c => Array.IndexOf(GraphNames.All, c.Graph)))
        {
            Console.WriteLine($"graph {check.Graph,-28} {check.Path,-58} {check.PrecisionName,-5} {(check.Ok ? "inputs/outputs OK" : "MISMATCH")}");
            foreach (var mismatch in check.Mismatches)
            {
                Console.WriteLine("    " + mismatch);
            }
        }
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}

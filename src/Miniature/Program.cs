using QwenTts.Engine.Model;
using QwenTts.Miniature;
using QwenTts.Miniature.Graphs;

// Usage: QwenTts.Miniature --size tiny|small|proportional|full|0.6b --out DIR --tokenizer tokenizer.json [--layout public-export]
//        [--precision fp32|fp16|mixed] [--variant voicedesign|base] [--overflow-talker] [--seed N]
const string Usage = "usage: --size tiny|small|proportional|full|0.6b --out DIR --tokenizer PATH [--layout public-export] [--precision fp32|fp16|mixed] " +
                     "[--variant voicedesign|base] [--overflow-talker] [--seed N]";
var options = args.Select((value, index) => (value, index)).Where(a => a.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(a => a.value[2..], a => a.index + 1 < args.Length && !args[a.index + 1].StartsWith("--", StringComparison.Ordinal) ? args[a.index + 1] : "");
if (!options.TryGetValue("out", out var output) || !options.TryGetValue("tokenizer", out var tokenizer))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

if (options.GetValueOrDefault("layout", "public-export") != "public-export")
{
    Console.Error.WriteLine("The only layout is public-export (graph folders, tokenizer12hz/, hf/), as the released export writes it.");
    return 2;
}

var request = new MiniatureModelBuilder.Request(
    MiniatureSpec.Named(options.GetValueOrDefault("size", "tiny")),
    output,
    tokenizer,
    options.GetValueOrDefault("variant", "voicedesign") == "base" ? ModelVariant.Base : ModelVariant.VoiceDesign,
    MiniaturePrecision.Named(options.GetValueOrDefault("precision", options.GetValueOrDefault("dtype", "fp32"))),
    options.TryGetValue("seed", out var seed) ? ulong.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) : 20240601,
    options.ContainsKey("overflow-talker"));

var watch = System.Diagnostics.Stopwatch.StartNew();
var manifest = MiniatureModelBuilder.Build(request);
Console.WriteLine($"Built {manifest.Name} ({manifest.Variant}, {request.Precision!.Name}) in {output} in {watch.Elapsed.TotalSeconds:F1} s, public-export layout.");
Console.WriteLine("This is a miniature: random weights, it makes noise, not speech.");
return 0;

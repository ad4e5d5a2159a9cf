using QwenTts.Engine.Model;
using QwenTts.Miniature;

// Usage: QwenTts.Miniature --size tiny|small --out DIR --tokenizer tokenizer.json [--variant voicedesign|base] [--dtype fp32|fp16] [--seed N]
var options = args.Select((value, index) => (value, index)).Where(a => a.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(a => a.value[2..], a => a.index + 1 < args.Length ? args[a.index + 1] : "");
if (!options.TryGetValue("out", out var output) || !options.TryGetValue("tokenizer", out var tokenizer))
{
    Console.Error.WriteLine("usage: --size tiny|small --out DIR --tokenizer PATH [--variant voicedesign|base] [--dtype fp32|fp16] [--seed N]");
    return 2;
}

var request = new MiniatureModelBuilder.Request(
    MiniatureSpec.Named(options.GetValueOrDefault("size", "tiny")),
    output,
    tokenizer,
    options.GetValueOrDefault("variant", "voicedesign") == "base" ? ModelVariant.Base : ModelVariant.VoiceDesign,
    options.GetValueOrDefault("dtype", "fp32") == "fp16" ? TensorFloatType.Float16 : TensorFloatType.Float32,
    options.TryGetValue("seed", out var seed) ? ulong.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) : 20240601);

var watch = System.Diagnostics.Stopwatch.StartNew();
var manifest = MiniatureModelBuilder.Build(request);
Console.WriteLine($"Built {manifest.Name} ({manifest.Variant}, {manifest.Dtype}) in {output} in {watch.Elapsed.TotalSeconds:F1} s.");
Console.WriteLine("This is a miniature: random weights, it makes noise, not speech.");
return 0;

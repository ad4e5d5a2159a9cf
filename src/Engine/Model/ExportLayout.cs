namespace QwenTts.Engine.Model;

/// <summary>
/// Finds the graphs of a model folder by its layout. The public export writes each graph in a folder of its own
/// (<c>talker_decode/talker_decode.onnx</c> + <c>.onnx.data</c>) and the speech tokenizer's graphs together under
/// <c>tokenizer12hz/</c>. The newer single-talker export of the same author (<c>talker/talker_core.onnx</c>) has other
/// graphs and is refused by name rather than half-loaded.
/// </summary>
public static class ExportLayout
{
    public const string TokenizerFolder = "tokenizer12hz";

    /// <summary>Graph name to path relative to the folder, for every graph of the layout that is present.</summary>
    public static Dictionary<string, string> Find(string modelDirectory)
    {
        if (File.Exists(Path.Combine(modelDirectory, "talker", "talker_core.onnx")))
        {
            throw new ModelValidationException(
                $"{modelDirectory} holds the newer single-talker export (talker/talker_core.onnx, sub_talker_sample.onnx), which this engine " +
                "does not run: export with scripts/export_onnx.py of the graph-per-part export (text_project, talker_prefill, talker_decode, ...).");
        }

        var found = new Dictionary<string, string>();
        foreach (var graph in GraphNames.All)
        {
            var candidates = graph.StartsWith("tokenizer12hz", StringComparison.Ordinal)
                ? new[] { Path.Combine(TokenizerFolder, graph + ".onnx"), Path.Combine(graph, graph + ".onnx") }
                : [Path.Combine(graph, graph + ".onnx")];
            if (candidates.FirstOrDefault(c => File.Exists(Path.Combine(modelDirectory, c))) is { } path)
            {
                found[graph] = path.Replace('\\', '/');
            }
        }

        if (found.Count == 0)
        {
            throw new ModelValidationException(
                $"No graph of the public export layout in {modelDirectory} (expected e.g. {GraphNames.TalkerDecode}/{GraphNames.TalkerDecode}.onnx, " +
                $"{TokenizerFolder}/{GraphNames.CodecDecodeChunk}.onnx), and no {ModelManifest.FileName} naming the graphs.");
        }

        return found;
    }
}

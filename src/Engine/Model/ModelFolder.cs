namespace QwenTts.Engine.Model;

/// <summary>
/// Turns a model folder into a manifest. A hand-written <c>model.json</c> wins; without one the manifest is imported
/// from the export's layout and the official Hugging Face folder's configs (found at the given path, the folder
/// itself, or its <c>hf/</c> subfolder); once it has loaded and matched, it is written as <c>model.json</c> for the
/// operator to read or edit (delete it to import again).
/// </summary>
public static class ModelFolder
{
    public const string DefaultHfSubfolder = "hf";

    public static ModelManifest Open(string modelDirectory, string? hfDirectory = null) => Open(modelDirectory, hfDirectory, out _);

    public static ModelManifest Open(string modelDirectory, string? hfDirectory, out bool imported)
    {
        imported = false;
        if (!Directory.Exists(modelDirectory))
        {
            throw new ModelValidationException($"Model folder '{modelDirectory}' does not exist.");
        }

        if (File.Exists(Path.Combine(modelDirectory, ModelManifest.FileName)))
        {
            var manifest = ModelManifest.Load(modelDirectory);
            if (!string.IsNullOrWhiteSpace(hfDirectory) && (manifest.HfDirectory is null
                || Path.GetFullPath(Path.Combine(modelDirectory, manifest.HfDirectory)) != Path.GetFullPath(hfDirectory).TrimEnd(Path.DirectorySeparatorChar)))
            {
                throw new ModelValidationException(
                    $"{Path.Combine(modelDirectory, ModelManifest.FileName)} names the HF folder '{manifest.HfDirectory}', but '{hfDirectory}' was given: " +
                    "delete model.json to import again from the given folder, or make them agree.");
            }

            return manifest.Graphs.Count > 0 ? manifest : manifest with { Graphs = ExportLayout.Find(modelDirectory) };
        }

        imported = true;
        return Import(modelDirectory, hfDirectory);
    }

    public static ModelManifest Import(string modelDirectory, string? hfDirectory = null)
    {
        var graphs = ExportLayout.Find(modelDirectory);
        var hf = LocateHf(modelDirectory, hfDirectory);
        var config = HfModelConfig.Read(hf);
        return new ModelManifest
        {
            Name = Path.GetFileName(Path.GetFullPath(modelDirectory).TrimEnd(Path.DirectorySeparatorChar)),
            Variant = config.Variant,
            Miniature = File.ReadAllText(Path.Combine(hf, HfModelConfig.ConfigFile)).Contains("\"qwentts_miniature\": true", StringComparison.Ordinal),
            Talker = config.Talker,
            CodePredictor = config.CodePredictor,
            TalkerDecoder = config.TalkerDecoder,
            Codec = config.Codec,
            TextIds = config.TextIds,
            CodecIds = config.CodecIds,
            Languages = config.Languages,
            Speakers = config.Speakers,
            Generation = config.Generation,
            DefaultedFields = config.Defaulted,
            Tokenizer = TokenizerPath(modelDirectory, hf),
            HfDirectory = Path.GetRelativePath(modelDirectory, hf).Replace('\\', '/'),
            Graphs = graphs,
        };
    }

    /// <summary>The HF folder: the one given, else the model folder itself, else its hf/ subfolder.</summary>
    public static string LocateHf(string modelDirectory, string? hfDirectory)
    {
        if (!string.IsNullOrWhiteSpace(hfDirectory))
        {
            return HfModelConfig.IsHfFolder(hfDirectory)
                ? hfDirectory
                : throw new ModelValidationException($"'{hfDirectory}' is not a Qwen3-TTS Hugging Face folder (no config.json with talker_config).");
        }

        foreach (var candidate in new[] { modelDirectory, Path.Combine(modelDirectory, DefaultHfSubfolder) })
        {
            if (HfModelConfig.IsHfFolder(candidate))
            {
                return candidate;
            }
        }

        throw new ModelValidationException(
            $"{modelDirectory} has no {ModelManifest.FileName} and no Hugging Face folder (config.json) in it or in {DefaultHfSubfolder}/: " +
            "point at the official model folder with --hf DIR (Model:HfDirectory), or write model.json.");
    }

    /// <summary>tokenizer.json when the HF folder has it, else the folder itself (vocab.json + merges.txt).</summary>
    private static string TokenizerPath(string modelDirectory, string hf)
    {
        var target = File.Exists(Path.Combine(hf, "tokenizer.json")) ? Path.Combine(hf, "tokenizer.json") : hf;
        return Path.GetRelativePath(modelDirectory, target).Replace('\\', '/');
    }

    /// <summary>Best effort: a read-only model folder still loads, it just is not annotated.</summary>
    public static void TryWrite(string modelDirectory, ModelManifest manifest)
    {
        var temporary = Path.Combine(modelDirectory, $".{ModelManifest.FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            manifest.SaveTo(temporary);
            File.Move(temporary, Path.Combine(modelDirectory, ModelManifest.FileName), overwrite: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
        }
    }
}

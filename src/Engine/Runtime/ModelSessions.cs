using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Every graph of one model directory loaded onto one card, checked against the manifest. Loaded once per card and
/// shared by all utterances on it (InferenceSession.Run is thread-safe).
/// </summary>
public sealed class ModelSessions : IDisposable
{
    private readonly Dictionary<string, InferenceSession> _sessions;

    private ModelSessions(string directory, ModelManifest manifest, ExecutionProviderOptions provider, Dictionary<string, InferenceSession> sessions)
    {
        Directory = directory;
        Manifest = manifest;
        Provider = provider;
        _sessions = sessions;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public ExecutionProviderOptions Provider { get; }

    /// <summary>True when the Base model's clone graphs (speaker encoder, codec encoder) are loaded.</summary>
    public bool CanClone => GraphNames.CloneOnly.All(_sessions.ContainsKey);

    public InferenceSession this[string graph] => _sessions.TryGetValue(graph, out var session)
        ? session
        : throw new ModelValidationException($"Model '{Manifest.Name}' has no graph '{graph}'.");

    public static ModelSessions Load(string modelDirectory, ExecutionProviderOptions provider)
    {
        var manifest = ModelManifest.Load(modelDirectory);
        var missing = GraphNames.Required.Where(g => !manifest.Graphs.ContainsKey(g)).ToArray();
        if (missing.Length > 0)
        {
            throw new ModelValidationException($"Model '{manifest.Name}' in {modelDirectory} lacks graph(s): {string.Join(", ", missing)}.");
        }

        var contracts = GraphContract.For(manifest).ToDictionary(c => c.Graph);
        var sessions = new Dictionary<string, InferenceSession>();
        try
        {
            using var options = SessionOptionsFactory.Create(provider);
            if (provider.ProfileDirectory is { } profileDirectory)
            {
                System.IO.Directory.CreateDirectory(profileDirectory);
            }

            foreach (var (graph, file) in manifest.Graphs)
            {
                if (!contracts.TryGetValue(graph, out var contract))
                {
                    continue; // a graph this engine does not use
                }

                var path = Path.Combine(modelDirectory, file);
                if (!File.Exists(path))
                {
                    throw new ModelValidationException($"Graph '{graph}' of model '{manifest.Name}' is missing: {path}.");
                }

                if (provider.ProfileDirectory is { } profiles)
                {
                    // The prefix reaches ONNX Runtime only when profiling is switched on, so switch it off and on per graph.
                    options.EnableProfiling = false;
                    options.ProfileOutputPathPrefix = Path.Combine(profiles, graph);
                    options.EnableProfiling = true;
                }

                InferenceSession session;
                try
                {
                    session = new InferenceSession(path, options);
                }
                catch (OnnxRuntimeException ex)
                {
                    throw new ModelValidationException($"Graph '{graph}' ({path}) could not be loaded: {ex.Message}", ex);
                }

                sessions[graph] = session;
                GraphValidator.Validate(session, contract, manifest.Dtype);
            }

            return new ModelSessions(modelDirectory, manifest, provider, sessions);
        }
        catch
        {
            foreach (var session in sessions.Values)
            {
                session.Dispose();
            }

            throw;
        }
    }

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            if (Provider.ProfileDirectory is not null)
            {
                session.EndProfiling();
            }

            session.Dispose();
        }
    }
}

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Every graph of one model folder loaded onto one card, each checked against the contract. Loaded once per card and
/// shared by all utterances on it (InferenceSession.Run is thread-safe).
/// </summary>
public sealed class ModelSessions : IDisposable
{
    private readonly Dictionary<string, InferenceSession> _sessions;
    private readonly Dictionary<string, GraphCheck> _checks;
    private readonly HashSet<string> _released = [];
    private readonly Lock _gate = new();

    private ModelSessions(string directory, ModelManifest manifest, ExecutionProviderOptions provider,
        Dictionary<string, InferenceSession> sessions, Dictionary<string, GraphCheck> checks)
    {
        Directory = directory;
        Manifest = manifest;
        Provider = provider;
        _sessions = sessions;
        _checks = checks;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public ExecutionProviderOptions Provider { get; }

    /// <summary>Each loaded graph's path, precision and (empty) mismatch list.</summary>
    public IReadOnlyCollection<GraphCheck> Checks => _checks.Values;

    /// <summary>True when the Base model's clone graphs (speaker encoder, codec encoder) are loaded.</summary>
    public bool CanClone => GraphNames.CloneOnly.All(_sessions.ContainsKey);

    public InferenceSession this[string graph]
    {
        get
        {
            lock (_gate)
            {
                if (_sessions.TryGetValue(graph, out var session))
                {
                    return session;
                }

                if (!_released.Remove(graph))
                {
                    throw new ModelValidationException($"Model '{Manifest.Name}' has no graph '{graph}'.");
                }

                // Released because the card runs the engine's form; a diagnostic that compares against the export asks again.
                using var options = SessionOptionsFactory.Create(Provider);
                return _sessions[graph] = Open(graph, Path.Combine(Directory, Manifest.Graphs[graph]), options, Provider);
            }
        }
    }

    /// <summary>Graphs let go because the card runs the engine's own form of them (reopened if asked for again).</summary>
    public IReadOnlyCollection<string> Released
    {
        get
        {
            lock (_gate)
            {
                return [.. _released];
            }
        }
    }

    /// <summary>
    /// Lets a graph's session go (its weights leave memory): for an export graph the card no longer runs once the engine's
    /// own form of it was checked against it. Asking for it again reopens it. Only while nothing runs on the card (at
    /// load): a run in flight holds the session.
    /// </summary>
    public void Release(string graph)
    {
        lock (_gate)
        {
            if (_sessions.Remove(graph, out var session))
            {
                _released.Add(graph);
                session.Dispose();
            }
        }
    }

    /// <summary>Bytes of a graph's files (the graph and its external data): its weights as stored.</summary>
    public long FileBytes(string graph)
    {
        var path = Path.Combine(Directory, Manifest.Graphs[graph]);
        var data = path + ".data";
        return new FileInfo(path).Length + (File.Exists(data) ? new FileInfo(data).Length : 0);
    }

    /// <summary>The float type of a graph's model-float tensors, as the graph declares it.</summary>
    public TensorElementType FloatType(string graph) =>
        _checks.TryGetValue(graph, out var check) && check.Precision == TensorFloatType.Float16 ? TensorElementType.Float16 : TensorElementType.Float;

    public static ModelSessions Load(string modelDirectory, ExecutionProviderOptions provider, string? hfDirectory = null)
    {
        var manifest = ModelFolder.Open(modelDirectory, hfDirectory, out var imported);
        var missing = GraphNames.Required.Where(g => !manifest.Graphs.ContainsKey(g)).ToArray();
        if (missing.Length > 0)
        {
            throw new ModelValidationException($"Model '{manifest.Name}' in {modelDirectory} lacks graph(s): {string.Join(", ", missing)}.");
        }

        var contracts = GraphContract.For(manifest).ToDictionary(c => c.Graph);
        var sessions = new Dictionary<string, InferenceSession>();
        var checks = new Dictionary<string, GraphCheck>();
        try
        {
            using var options = SessionOptionsFactory.Create(provider);
            if (provider.ProfileDirectory is { } profileDirectory)
            {
                System.IO.Directory.CreateDirectory(profileDirectory);
            }

            foreach (var (graph, file) in manifest.Graphs)
            {
                if (contracts.TryGetValue(graph, out var contract))
                {
                    var path = Path.Combine(modelDirectory, file);
                    sessions[graph] = Open(graph, path, options, provider);
                    checks[graph] = GraphValidator.Check(sessions[graph], contract, file);
                }
            }

            if (checks.Values.Any(c => !c.Ok))
            {
                var mismatches = checks.Values.SelectMany(c => c.Mismatches).ToArray();
                throw new ModelValidationException(
                    $"Model '{manifest.Name}' in {modelDirectory} does not match the Qwen3-TTS export contract ({mismatches.Length} mismatch(es)):" +
                    Environment.NewLine + string.Join(Environment.NewLine, mismatches.Select(m => "  " + m)),
                    checks.Values.ToArray());
            }

            if (imported)
            {
                ModelFolder.TryWrite(modelDirectory, manifest);
            }

            return new ModelSessions(modelDirectory, manifest, provider, sessions, checks);
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

    private static InferenceSession Open(string graph, string path, SessionOptions options, ExecutionProviderOptions provider)
    {
        if (!File.Exists(path))
        {
            throw new ModelValidationException($"Graph '{graph}' is missing: {path}.");
        }

        if (provider.ProfileDirectory is { } profiles)
        {
            // The prefix reaches ONNX Runtime only when profiling is switched on, so switch it off and on per graph.
            options.EnableProfiling = false;
            options.ProfileOutputPathPrefix = Path.Combine(profiles, graph);
            options.EnableProfiling = true;
        }

        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelValidationException($"Graph '{graph}' ({path}) could not be loaded: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            DisposeSessions();
        }
    }

    private void DisposeSessions()
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

namespace QwenTts.LocalHosting;

/// <summary>Shape of a system run on one machine: where PostgreSQL keeps its data, which silos, which ports.</summary>
public sealed record LocalSystemOptions
{
    /// <summary>Folder for PostgreSQL's data; kept between runs unless <see cref="Ephemeral"/>. Unused with an existing database.</summary>
    public string? DataDirectory { get; init; }

    public bool Ephemeral { get; init; }

    /// <summary>0 picks a free port.</summary>
    public int PostgresPort { get; init; }

    public string ClusterId { get; init; } = "qwentts-local";

    /// <summary>Configuration every silo and the frontend get, as <c>--Key=Value</c> arguments.</summary>
    public IReadOnlyList<string> CommonArguments { get; init; } = [];

    /// <summary>Receives every line the processes print, already prefixed with their name.</summary>
    public Action<string>? Echo { get; init; }

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>One silo process: its name, ports and extra configuration (devices, model).</summary>
public sealed record SiloSpec(string Name, IReadOnlyList<string>? Arguments = null)
{
    public int SiloPort { get; init; }

    public int GatewayPort { get; init; }

    public int HttpPort { get; init; }

    /// <summary>More environment variables for this silo (e.g. OTEL_EXPORTER_OTLP_ENDPOINT), as a deployment would set them.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Runs it in a network of its own (advertising that address to the cluster), its HTTP endpoint on a Unix socket.</summary>
    public IsolatedNetwork? Network { get; init; }
}

namespace QwenTts.LocalHosting;

/// <summary>How to run one private PostgreSQL server. The server listens on loopback only.</summary>
public sealed record PrivatePostgresOptions
{
    /// <summary>Folder that holds the cluster (PGDATA) and its log; created when missing, reused when present.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    public string Database { get; init; } = "qwentts";

    public string User { get; init; } = "qwentts";

    /// <summary>Trade durability for speed (fsync off): right for tests, wrong for data you keep.</summary>
    public bool Ephemeral { get; init; }

    /// <summary>Install the Debian <c>postgresql</c> package with apt-get when no server binaries are found.</summary>
    public bool InstallIfMissing { get; init; } = true;

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

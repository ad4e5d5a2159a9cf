namespace QwenTts.LocalHosting;

/// <summary>How to run one private PostgreSQL server. The server listens on loopback only, unless told an address of its own network.</summary>
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

    /// <summary>The address the server listens on: loopback unless it runs in a network of its own.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>Clients allowed from that network besides loopback (CIDR, e.g. 198.18.7.0/24); null allows loopback only.</summary>
    public string? ClientNetwork { get; init; }

    /// <summary>A command that runs pg_ctl start for us (e.g. <c>ip netns exec NAME</c>: the server then lives in that network).</summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];
}

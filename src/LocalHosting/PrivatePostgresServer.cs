using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace QwenTts.LocalHosting;

/// <summary>
/// A PostgreSQL server of our own: initdb into a private folder, start on loopback, stop cleanly.
/// Never touches a system-wide cluster. Runs the server as the <c>postgres</c> user when we are root,
/// because the server refuses to run as root.
/// </summary>
public sealed class PrivatePostgresServer : IAsyncDisposable
{
    private readonly PrivatePostgresOptions _options;
    private readonly PostgresBinaries _binaries;
    private readonly Action<string> _log;
    private bool _stopped;

    private PrivatePostgresServer(PrivatePostgresOptions options, PostgresBinaries binaries, int port, string password, Action<string> log)
    {
        _options = options;
        _binaries = binaries;
        _log = log;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = options.ListenAddress,
            Port = port,
            Database = options.Database,
            Username = options.User,
            Password = password,
        }.ConnectionString;
        LocalConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Host = PgData }.ConnectionString;
    }

    public int Port { get; }

    /// <summary>Connection string to the application database (created on first start).</summary>
    public string ConnectionString { get; }

    /// <summary>The same database through the server's Unix socket in its data folder: a file, so it reaches the server from any network namespace.</summary>
    public string LocalConnectionString { get; }

    public string DataDirectory => _options.DataDirectory;

    private string PgData => Path.Combine(_options.DataDirectory, "pgdata");

    private string LogFile => Path.Combine(_options.DataDirectory, "server.log");

    private static bool RunningAsRoot => Environment.UserName == "root";

    public static async Task<PrivatePostgresServer> StartAsync(
        PrivatePostgresOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var binaries = await PostgresBinaries.LocateOrInstallAsync(options.InstallIfMissing, cancellationToken);
        Directory.CreateDirectory(options.DataDirectory);
        var password = await ReadOrCreatePasswordAsync(options.DataDirectory, cancellationToken);
        await GiveToServerUserAsync(options.DataDirectory, cancellationToken);

        var runningPort = ReadRunningPort(Path.Combine(options.DataDirectory, "pgdata"));
        var port = runningPort ?? (options.Port == 0 ? FindFreeLoopbackPort() : options.Port);
        var server = new PrivatePostgresServer(options, binaries, port, password, log);

        if (!File.Exists(Path.Combine(server.PgData, "PG_VERSION")))
        {
            await server.InitDbAsync(cancellationToken);
        }

        if (runningPort is null)
        {
            await server.StartServerAsync(cancellationToken);
        }
        else
        {
            log($"PostgreSQL already running on 127.0.0.1:{runningPort} for {options.DataDirectory}; reusing it.");
        }

        await server.EnsureDatabaseAsync(cancellationToken);
        return server;
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        var result = await RunAsServerUserAsync(_binaries.PgCtl, ["stop", "-D", PgData, "-m", "fast", "-w", "-t", "60"], cancellationToken);
        if (result.ExitCode != 0 && !result.Output.Contains("Is server running?", StringComparison.Ordinal))
        {
            _log($"pg_ctl stop exited {result.ExitCode}: {result.Output}");
        }
    }

    /// <summary>Starts a stopped server again on the same folder and port (an outage ends).</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await StartServerAsync(cancellationToken);
        _stopped = false;
    }

    /// <summary>Stops the server, then deletes its folder when it was ephemeral.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_options.Ephemeral)
        {
            try
            {
                Directory.Delete(_options.DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a test folder under /tmp that outlives us does no harm.
            }
        }
    }

    private async Task InitDbAsync(CancellationToken cancellationToken)
    {
        _log($"initdb into {PgData}");
        var passwordFile = Path.Combine(_options.DataDirectory, "password");
        var result = await RunAsServerUserAsync(_binaries.InitDb,
        [
            "-D", PgData, "-U", _options.User, "--pwfile", passwordFile,
            "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-instructions",
        ], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"initdb failed (exit {result.ExitCode}):\n{result.Output}");
        }

        if (_options.ClientNetwork is { } network)
        {
            await File.AppendAllTextAsync(Path.Combine(PgData, "pg_hba.conf"), $"host all all {network} scram-sha-256\n", cancellationToken);
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        // Loopback (or the address of its own network), socket in the private folder, nothing shared with a system cluster.
        var settings = new List<string>
        {
            "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", $"listen_addresses={_options.ListenAddress}",
            "-c", $"unix_socket_directories={PgData}",
            "-c", "max_connections=300",
        };
        if (_options.Ephemeral)
        {
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        _log($"starting PostgreSQL on {_options.ListenAddress}:{Port}");
        var timeoutSeconds = ((int)_options.StartTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await RunAsServerUserAsync(_binaries.PgCtl,
            ["start", "-D", PgData, "-l", LogFile, "-w", "-t", timeoutSeconds, "-o", string.Join(' ', settings)], cancellationToken, _options.CommandPrefix);
        if (result.ExitCode != 0)
        {
            var serverLog = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile, cancellationToken) : "";
            throw new InvalidOperationException($"pg_ctl start failed (exit {result.ExitCode}):\n{result.Output}\n{Tail(serverLog, 4000)}");
        }
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        // Through the socket when the server listens in a network of its own, which we may not be in.
        var admin = new NpgsqlConnectionStringBuilder(_options.CommandPrefix.Count == 0 ? ConnectionString : LocalConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", _options.Database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_options.Database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static Task<ProcessRunner.Result> RunAsServerUserAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken,
        IReadOnlyList<string>? commandPrefix = null)
    {
        var environment = new Dictionary<string, string> { ["LC_ALL"] = "C", ["LANG"] = "C" };
        string[] command = RunningAsRoot ? ["runuser", "-u", "postgres", "--", program, .. arguments] : [program, .. arguments];
        command = [.. commandPrefix ?? [], .. command];
        return ProcessRunner.RunAsync(command[0], command[1..], TimeSpan.FromMinutes(2), cancellationToken, environment);
    }

    /// <summary>
    /// Whether the server's user could use a data folder at this path: always when we are not root; as root, only
    /// when every parent folder is traversable by the postgres user (a checkout under /root is not).
    /// </summary>
    public static async Task<bool> IsUsableDataDirectoryAsync(string directory, CancellationToken cancellationToken = default)
    {
        if (!RunningAsRoot)
        {
            return true;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(directory))!;
        while (!Directory.Exists(parent))
        {
            parent = Path.GetDirectoryName(parent)!;
        }

        var probe = await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", "test", "-x", parent], TimeSpan.FromSeconds(30), cancellationToken);
        return probe.ExitCode == 0;
    }

    private static async Task GiveToServerUserAsync(string directory, CancellationToken cancellationToken)
    {
        if (!RunningAsRoot)
        {
            return;
        }

        var chown = await ProcessRunner.RunAsync("chown", ["-R", "postgres:postgres", directory], TimeSpan.FromMinutes(1), cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown of {directory} to postgres failed: {chown.Output}");
        }

        var probe = await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", "test", "-w", directory], TimeSpan.FromSeconds(30), cancellationToken);
        if (probe.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The postgres user cannot reach {directory}: a parent folder is not traversable by other users. " +
                "Use a data folder under /tmp or another world-traversable path.");
        }
    }

    private static async Task<string> ReadOrCreatePasswordAsync(string directory, CancellationToken cancellationToken)
    {
        var file = Path.Combine(directory, "password");
        if (File.Exists(file))
        {
            return (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        await File.WriteAllTextAsync(file, password + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return password;
    }

    /// <summary>postmaster.pid line 4 holds the port of a server that is running on this folder.</summary>
    private static int? ReadRunningPort(string pgData)
    {
        var pidFile = Path.Combine(pgData, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var lines = File.ReadAllLines(pidFile);
        if (lines.Length < 4 || !int.TryParse(lines[0], out var pid) || !int.TryParse(lines[3], out var port))
        {
            return null;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited ? null : port;
        }
        catch (ArgumentException)
        {
            return null; // stale pid file: pg_ctl start copes with it
        }
    }

    public static int FindFreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];
}

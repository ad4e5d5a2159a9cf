using System.Diagnostics;

namespace QwenTts.LocalHosting;

/// <summary>Finds initdb / pg_ctl, installing Debian's server package once when they are absent.</summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>Debian keeps the server binaries in /usr/lib/postgresql/N/bin, often off PATH; the newest wins.</summary>
    public static PostgresBinaries? TryLocate()
    {
        var candidates = new List<string>();
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            candidates.AddRange(Directory.GetDirectories(debianRoot)
                .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : 0))
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.dir, "bin")));
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        candidates.AddRange(path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));

        foreach (var dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"))
                && File.Exists(Path.Combine(dir, "postgres")))
            {
                return new PostgresBinaries(ResolveLinks(dir));
            }
        }

        return null;
    }

    public static async Task<PostgresBinaries> LocateOrInstallAsync(bool installIfMissing, CancellationToken cancellationToken)
    {
        if (TryLocate() is { } found)
        {
            return found;
        }

        if (!installIfMissing)
        {
            throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them with: apt-get install -y postgresql");
        }

        await InstallGate.WaitAsync(cancellationToken);
        try
        {
            // Several test processes may race here; a lock file serialises apt-get across processes too.
            await using var lockFile = await AcquireFileLockAsync("/tmp/qwentts-postgres-install.lock", cancellationToken);
            if (TryLocate() is { } raced)
            {
                return raced;
            }

            await InstallWithAptAsync(cancellationToken);
            return TryLocate() ?? throw new InvalidOperationException(
                "apt-get installed postgresql but no initdb/pg_ctl/postgres were found under /usr/lib/postgresql/*/bin.");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task InstallWithAptAsync(CancellationToken cancellationToken)
    {
        // Keep the package from creating and starting a system-wide cluster: we only want the binaries.
        const string createClusterConf = "/etc/postgresql-common/createcluster.conf";
        if (!File.Exists(createClusterConf))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(createClusterConf)!);
            await File.WriteAllTextAsync(createClusterConf, "create_main_cluster = false\n", cancellationToken);
        }

        var sudo = Environment.UserName == "root" ? "" : "sudo -n ";
        var script = $"export DEBIAN_FRONTEND=noninteractive; {sudo}apt-get update -q && {sudo}apt-get install -y -q --no-install-recommends postgresql";
        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", script], TimeSpan.FromMinutes(10), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"apt-get install postgresql failed (exit {result.ExitCode}):\n{result.Output}");
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (deadline.Elapsed < TimeSpan.FromMinutes(10))
            {
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private static string ResolveLinks(string dir)
    {
        var initdb = new FileInfo(Path.Combine(dir, "initdb"));
        return initdb.LinkTarget is null
            ? dir
            : Path.GetDirectoryName(initdb.ResolveLinkTarget(returnFinalTarget: true)!.FullName)!;
    }
}

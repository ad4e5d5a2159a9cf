namespace QwenTts.LocalCluster;

/// <summary>
/// Keeps the embedded default's connection string in .local/cluster-connection-string (readable by its owner only), so
/// deploy/local/admin.sh can hand it to the admin command through the environment instead of argv.
/// </summary>
public static class AdminAccess
{
    public const string Command = "./deploy/local/admin.sh";

    public static string File => Path.Combine(LocalHosting.RepositoryLayout.LocalDataDirectory, "cluster-connection-string");

    public static async Task WriteAsync(string connectionString, CancellationToken cancellationToken)
    {
        await System.IO.File.WriteAllTextAsync(File, connectionString + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            System.IO.File.SetUnixFileMode(File, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
